"""Fuzzing the parts that read untrusted bytes: the adapters, the recognizer, the rule parser.

``targets.py`` holds one function per target, taking bytes and failing only if auditor breaks
its promise (an exception other than the clean error, or a result that breaks the model);
``test_fuzz.py`` drives them with hypothesis, briefly in the normal suite; ``python -m
tests.fuzz`` runs them longer by hand (hypothesis, or atheris when installed).
"""
