"""Inputs for the fuzz targets: random bytes, and real inputs of the target's kind mutated the
way fuzzers do (flips, insertions of interesting bytes, deletions, truncation, repeats)."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.fuzz.targets import seed_inputs

# Bytes that mean something to one of the readers: markup, separators, digits, encodings' lead
# bytes, zip and PDF keywords, rule-language tokens.
INTERESTING = [b"<", b">", b"</", b"<!--", b"<table>", b"<td colspan=999>", b"|", b"\t", b"\r\n", b"\x00", b"\xff",
               b"\xef\xbb\xbf", b"\xe4\xb8\x80", b"\x81\x30", b"999999999999999999999", b"-", b".", b"1e999",
               b"stream\n", b"endobj", b"obj", b"PK\x03\x04", b"&amp;", b"<!ENTITY", b"rule ", b"assert ", b"let ",
               b"not ", b"(", b")", b"/", b"\"", b"{", b"}", b"[", b"]", "一、".encode(), "合计".encode(),
               "本年新收".encode(), "\u3000".encode()]


@st.composite
def mutated(draw: st.DrawFn, target: str) -> bytes:
    data = bytearray(draw(st.sampled_from(seed_inputs(target))))
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(data)))
        operation = draw(st.sampled_from(("flip", "insert", "delete", "truncate", "repeat")))
        if operation == "flip" and position < len(data):
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif operation == "insert":
            data[position:position] = draw(st.sampled_from(INTERESTING) | st.binary(max_size=16))
        elif operation == "delete":
            del data[position:position + draw(st.integers(1, 64))]
        elif operation == "truncate":
            del data[position:]
        elif operation == "repeat":
            piece = data[position:position + draw(st.integers(1, 32))]
            data[position:position] = piece * draw(st.integers(1, 200))
    return bytes(data)


def inputs(target: str) -> st.SearchStrategy[bytes]:
    return mutated(target) | st.binary(max_size=2048)
