# ruff: noqa: E501  (a catalogue: one message per line reads better than wrapped halves)
"""Read-failure reasons in Chinese: the adapters' English messages matched by pattern.

Adapters raise ``AdapterError("file is empty")`` and the worker writes ``timed out after 120 s``;
those texts are stored as they are (the result cache and the JSON stay language-neutral) and
translated when shown. Each entry is an English pattern (a full match, ``(.+)`` for what varies)
and the Chinese wording, ``{1}``… standing for the groups. ``tests/test_i18n.py`` checks that
every reason written in auditor's source is matched here, so a new message cannot slip through
untranslated. An unmatched reason (from a third-party adapter) is shown as written.
"""

from __future__ import annotations

import re
from functools import lru_cache

# (pattern, Chinese). Order matters only where patterns overlap: the more specific first.
REASONS: tuple[tuple[str, str], ...] = (
    # reading.py: before any adapter
    (r"no such file", "文件不存在"),
    (r"permission denied", "没有读取权限"),
    (r"is a directory", "这是一个文件夹，不是文件"),
    (r"is (.+), not a regular file: not read", "不是普通文件（{1}），未读取"),
    (r"cannot read: (.+)", "无法读取：{1}"),
    (r"cannot be read", "无法读取"),
    (r"file is empty", "文件为空"),
    (r"file is (.+), over the (.+) limit", "文件大小 {1}，超过 {2} 的上限"),
    (r"reading URLs needs fsspec: (.+)", "读取网络地址需要 fsspec：{1}"),
    (r"no adapter reads '(.+)' files \(known: (.+)\)", "不支持读取「{1}」文件（支持：{2}）"),
    (r"no annual report found: no report title, section headings or tables \((\d+) document\(s\) of another kind\)",
     "未找到年度报告：没有报告标题、章节标题或统计表（有 {1} 份其他类型的文档）"),
    (r"no annual report found: no report title, section headings or tables",
     "未找到年度报告：没有报告标题、章节标题或统计表"),
    # text
    (r"binary data, not a text file \(wrong extension\?\)", "二进制数据，不是文本文件（扩展名是否有误？）"),
    (r"cannot decode text: not UTF-8, GB18030 or any encoding charset-normalizer knows",
     "无法解码文本：既不是 UTF-8、GB18030，也不是其他可识别的编码"),
    (r"file holds only whitespace", "文件只有空白字符"),
    # html
    (r"binary data, not an HTML page \(wrong extension\? ?it looks like (.+)\)",
     "二进制数据，不是网页（扩展名是否有误？看起来是 {1}）"),
    (r"binary data, not an HTML page \(wrong extension\?(.*)\)", "二进制数据，不是网页（扩展名是否有误？{1}）"),
    (r"empty HTML page", "网页为空"),
    (r"no HTML markup \(a plain-text file named \.html\? rename it to \.txt\)",
     "没有 HTML 标记（是否为改名为 .html 的纯文本？请改为 .txt）"),
    (r"reading HTML needs selectolax: (.+)", "读取网页需要 selectolax：{1}"),
    (r"HTML parser failed: (.+)", "网页解析失败：{1}"),
    (r"no report text in the page \(only navigation, scripts or markup\)", "网页中没有报告正文（只有导航、脚本或标记）"),
    # docx
    (r"legacy Word 97-2003 \(\.doc\) or password-protected \.docx: save it as \.docx without a password",
     "旧版 Word 97-2003（.doc）或设有密码的 .docx：请另存为无密码的 .docx"),
    (r"not a \.docx file: it is a PDF \(wrong extension\?\)", "不是 .docx 文件：这是 PDF（扩展名是否有误？）"),
    (r"not a \.docx file: no zip signature \(corrupt or wrong extension\)", "不是 .docx 文件：没有 zip 文件头（文件损坏或扩展名有误）"),
    (r"corrupt or truncated \.docx \(bad zip: (.+)\)", ".docx 文件损坏或不完整（zip 错误：{1}）"),
    (r"corrupt or truncated \.docx \((.+)\)", ".docx 文件损坏或不完整（{1}）"),
    (r"refusing \.docx: '(.+)' uses zip compression method (\d+) \(Word writes only stored or deflated members\)",
     "拒绝读取 .docx：成员「{1}」使用压缩方法 {2}（Word 只写入不压缩或 deflate 压缩的成员）"),
    (r"refusing \.docx: '(.+)' inflates past the (.+) bytes its zip directory states: possible zip bomb",
     "拒绝读取 .docx：成员「{1}」解压后超过 zip 目录声明的 {2} 字节，可能是压缩炸弹"),
    (r"corrupt \.docx: '(.+)' does not inflate \((.+)\)", ".docx 文件损坏：成员「{1}」无法解压（{2}）"),
    (r"refusing \.docx with (\d+) zip members \(limit (\d+)\): possible zip bomb",
     "拒绝读取：.docx 含 {1} 个压缩成员（上限 {2}），可能是压缩炸弹"),
    (r"refusing \.docx that unpacks to (\d+) MiB \(limit (\d+) MiB\): possible zip bomb",
     "拒绝读取：.docx 解压后 {1} MiB（上限 {2} MiB），可能是压缩炸弹"),
    (r"refusing \.docx: '(.+)' is compressed (\d+):1: possible zip bomb",
     "拒绝读取：.docx 中「{1}」压缩比 {2}:1，可能是压缩炸弹"),
    (r"refusing \.docx: word/document\.xml is (\d+) MiB \(limit (\d+) MiB\)",
     "拒绝读取：.docx 正文 word/document.xml 为 {1} MiB（上限 {2} MiB）"),
    (r"not a Word document: the zip has no \[Content_Types\]\.xml \(wrong extension\?\)",
     "不是 Word 文档：压缩包中没有 [Content_Types].xml（扩展名是否有误？）"),
    (r"not a \.docx: an Excel workbook \(wrong extension\?\)", "不是 .docx：这是 Excel 工作簿（扩展名是否有误？）"),
    (r"not a \.docx: a PowerPoint file \(wrong extension\?\)", "不是 .docx：这是 PowerPoint 文件（扩展名是否有误？）"),
    (r"not a \.docx: (.+) \(wrong extension\?\)", "不是 .docx：{1}（扩展名是否有误？）"),
    (r"reading \.docx needs python-docx: (.+)", "读取 .docx 需要 python-docx：{1}"),
    (r"not a Word document \(no main document part; wrong extension\?\)", "不是 Word 文档（没有正文部分；扩展名是否有误？）"),
    (r"corrupt \.docx: missing part (.+)", ".docx 文件损坏：缺少部件 {1}"),
    (r"corrupt \.docx: (.+)", ".docx 文件损坏：{1}"),
    (r"the \.docx holds no text \(empty document, or only images: no OCR yet\)",
     ".docx 中没有文字（空文档，或只有图片）"),
    # json
    (r"JSON must be UTF-8 \(the file is not; wrong extension\?\)", "JSON 必须是 UTF-8 编码（该文件不是；扩展名是否有误？）"),
    (r"invalid JSON at line (\d+) column (\d+): (.+)", "JSON 格式错误（第{1}行第{2}列）：{3}"),
    (r"invalid JSON: nested too deeply", "JSON 格式错误：嵌套过深"),
    (r"invalid JSON: (.+)", "JSON 格式错误：{1}"),
    (r"\$\.documents: expected a list of report objects", "$.documents：应为报告对象的列表"),
    (r"\$: expected a report object or \{\"documents\": \[\.\.\.\]\}", "$：应为报告对象或 {\"documents\": [...]}"),
    (r"reading JSON reports needs jsonschema: (.+)", "读取 JSON 报告需要 jsonschema：{1}"),
    (r"(.+): no report documents in the file", "{1}：文件中没有报告"),
    # pdf
    (r"not a PDF: no %PDF header \(wrong extension\?\)", "不是 PDF：没有 %PDF 文件头（扩展名是否有误？）"),
    (r"reading PDF needs pypdfium2: (.+)", "读取 PDF 需要 pypdfium2：{1}"),
    (r"encrypted PDF: it needs a password; publish or upload an unprotected copy",
     "PDF 已加密，需要密码：请发布或上传未加密的版本"),
    (r"corrupt or truncated PDF \(PDFium cannot load it\)", "PDF 文件损坏或不完整（无法打开）"),
    (r"PDF has no pages", "PDF 没有页面"),
    (r"PDF has (\d+) pages, over the (\d+)-page limit", "PDF 共 {1} 页，超过 {2} 页的上限"),
    (r"corrupt PDF: page (\d+) cannot be read \((.+)\)", "PDF 文件损坏：第{1}页无法读取（{2}）"),
    (r"corrupt PDF: page (\d+) cannot be loaded \((.+)\)", "PDF 文件损坏：第{1}页无法加载（{2}）"),
    (r"PDF holds (.+) objects, over the (.+) limit", "PDF 含 {1} 个对象，超过 {2} 的上限"),
    (r"PDF streams inflate to more than (\d+) MiB in all \(a compression bomb\?\)",
     "PDF 数据流解压后合计超过 {1} MiB（可能是压缩炸弹）"),
    (r"a PDF stream inflates to more than (\d+) MiB \(a compression bomb\?\)",
     "PDF 数据流解压后超过 {1} MiB（可能是压缩炸弹）"),
    (r"no text layer and no pictures: the PDF holds no readable text", "没有文字层也没有图片：PDF 中没有可读的文字"),
    (r"no text layer; scanned PDFs need OCR: (.+)", "没有文字层；扫描版 PDF 需要 OCR：{1}"),
    (r"no text layer; scanned PDFs need OCR, and OCR found no text in this one",
     "没有文字层；扫描版 PDF 需要 OCR，但 OCR 未识别出文字"),
    (r"reading images needs the OCR extra: (.+)", "读取图片需要 OCR 组件：{1}"),
    # tables of any adapter, prefixed with where they sit
    (r"(.+): table expands past (\d+) cells", "{1}：表格展开后超过 {2} 个单元格"),
    (r"table expands past (\d+) cells", "表格展开后超过 {1} 个单元格"),
    # the worker and the pool
    (r"timed out after (.+) s \(file skipped; a scanned PDF is read page by page with OCR: raise --timeout\)",
     "处理超时（{1} 秒），已跳过该文件；扫描件需逐页文字识别，较慢，可用 --timeout 加大时限"),
    (r"ran out of memory: the (.+) memory limit was reached \(file skipped\)", "内存不足：达到 {1} 的内存上限，已跳过该文件"),
    (r"ran out of memory: the memory available was reached \(file skipped\)", "内存不足：可用内存已耗尽，已跳过该文件"),
    (r"internal error: a worker sent back results that cannot be read", "内部错误：工作进程返回的结果无法读取"),
    (r"internal error: (.+)", "内部错误：{1}"),
    (r"worker crashed while reading this file \(exit code (.+)\); killed, perhaps over the (.+) memory limit",
     "读取该文件时工作进程崩溃（退出码 {1}）；进程被终止，可能超过了 {2} 的内存上限"),
    (r"worker crashed while reading this file \(exit code (.+)\)", "读取该文件时工作进程崩溃（退出码 {1}）"),
    (r"worker lost while reading this file \(retried by Dask\)(.*)", "读取该文件时 Dask 工作进程丢失（已重试）{1}"),
)


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(pattern, re.S), zh) for pattern, zh in REASONS)


@lru_cache(maxsize=4096)
def translate(text: str) -> str:
    """The Chinese wording of ``text``; ``text`` itself when no pattern knows it."""
    for pattern, zh in _compiled():
        match = pattern.fullmatch(text)
        if match:
            return re.sub(r"\{(\d)\}", lambda m, found=match: found.group(int(m.group(1))), zh)
    return text
