"""Generated narratives for copy detection: each agency writes its own sentences (drawn from a
large space of phrasings), and a copy is one report's narrative with only the agency and year
changed. Used by the tests and by ``benchmarks/bench_copy.py``."""

from __future__ import annotations

import random
from pathlib import Path

SUBJECTS = ("政务公开", "信息公开", "政府网站", "政务新媒体", "依申请公开", "政策解读", "重点领域信息", "公开目录",
            "主动公开", "信息发布", "舆情回应", "公开专栏", "基层政务公开", "公开指南", "公开平台", "政务服务事项")
VERBS = ("完善", "加强", "规范", "推进", "优化", "健全", "落实", "深化", "提升", "改进", "细化", "统筹")
OBJECTS = ("审核机制", "发布流程", "工作制度", "考核办法", "台账管理", "培训体系", "监督检查", "责任分工", "标准目录",
           "栏目建设", "更新频次", "安全防护", "答复质量", "办理时限", "协调联动", "档案管理")
MEANS = ("召开专题会议", "开展自查整改", "组织业务培训", "建立工作台账", "实行月度通报", "引入第三方评估",
         "开展交叉检查", "制定工作方案", "印发实施细则", "建立联络员制度", "开展专项督查", "设置查阅点")
RESULTS = ("公开质量明显提高", "群众满意度持续上升", "信息发布更加及时", "办理流程更加顺畅", "栏目内容更加丰富",
           "工作合力进一步增强", "规范化水平稳步提升", "回应关切更加有力", "公开实效逐步显现")
PLACES = ("平潭", "福清", "长乐", "闽侯", "连江", "罗源", "永泰", "闽清", "仓山", "鼓楼", "台江", "晋安", "马尾")
BODIES = ("财政局", "教育局", "民政局", "司法局", "商务局", "水利局", "审计局", "统计局", "医保局", "林业局", "农业农村局",
          "文化和旅游局", "卫生健康委员会", "应急管理局", "市场监督管理局", "自然资源局", "生态环境局", "交通运输局")


def agency(rng: random.Random, n: int) -> str:
    return f"{PLACES[n % len(PLACES)]}{'县' if n % 3 else '区'}{rng.choice(BODIES)}"


def sentence(rng: random.Random, year: int, name: str) -> str:
    return (f"{year}年，{name}{rng.choice(VERBS)}{rng.choice(SUBJECTS)}{rng.choice(OBJECTS)}，"
            f"通过{rng.choice(MEANS)}和{rng.choice(MEANS)}，{rng.choice(VERBS)}{rng.choice(SUBJECTS)}"
            f"{rng.choice(OBJECTS)}，{rng.choice(RESULTS)}，全年共发布相关信息{rng.randint(5, 900)}条。")


def narrative(rng: random.Random, year: int, name: str, paragraphs: int = 4, per: int = 4) -> dict[int, str]:
    """Section number → text: sections 一 and 五 hold the agency's own prose."""
    def para() -> str:
        return "".join(sentence(rng, year, name) for _ in range(per))
    return {1: "\n".join(para() for _ in range(paragraphs)),
            5: f"一是{rng.choice(SUBJECTS)}{rng.choice(OBJECTS)}仍不够完善，{rng.choice(RESULTS)}还有差距。"
               f"下一步，我们将{rng.choice(VERBS)}{rng.choice(SUBJECTS)}{rng.choice(OBJECTS)}，{rng.choice(MEANS)}。"}


def report_text(name: str, year: int, sections: dict[int, str]) -> str:
    heads = {1: "一、总体情况", 2: "二、主动公开政府信息情况", 3: "三、收到和处理政府信息公开申请情况",
             4: "四、政府信息公开行政复议、行政诉讼情况", 5: "五、存在的主要问题及改进情况", 6: "六、其他需要报告的事项"}
    body = "\n".join(f"{heads[n]}\n{sections.get(n, '本年度无。')}" for n in range(1, 7))
    return f"{name}{year}年政府信息公开工作年度报告\n{body}\n{name}\n{year + 1}年1月20日\n"


def write_reports(folder: Path, rng: random.Random, count: int, *, year: int = 2023, width: int = 3) -> list[str]:
    """``count`` reports of as many agencies, each with a narrative of its own, written to
    ``folder`` as ``r000.txt``…; their paths in order."""
    files = []
    for n in range(count):
        name = agency(rng, n)
        path = folder / f"r{n:0{width}}.txt"
        path.write_text(report_text(name, year, narrative(rng, year, name)), encoding="utf-8")
        files.append(str(path))
    return files
