"""Assemble a self-contained HTML page: headline table, findings, figures (base64 PNG), working."""

from __future__ import annotations

import base64
import html
import io

from matplotlib.figure import Figure

from sim.report.style import save_figure

FIGURE_DPI = 110

STYLE = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; max-width: 980px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.25em; margin-top: 1.6em;
       border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.lead { color: #444; font-size: 1.05em; } .meta { color: #777; font-size: 0.85em; }
table { border-collapse: collapse; font-size: 0.92em; margin: 0.5em 0; }
th, td { padding: 0.3em 0.7em; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child { text-align: left; } th { background: #f6f6f6; }
ul.findings li { margin-bottom: 0.4em; } ul.working li { font-family: ui-monospace, Menlo, monospace;
       font-size: 0.85em; margin-bottom: 0.3em; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
"""


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG."""
    buffer = io.BytesIO()
    save_figure(fig, buffer, format="png", dpi=FIGURE_DPI)
    return buffer.getvalue()


def figure_html(name: str, png: bytes, caption: str, formats: tuple[str, ...] = ("png",)) -> str:
    """A figure embedded as PNG, its caption naming the files it is also saved as."""
    data = base64.b64encode(png).decode("ascii")
    files = " and ".join(f"figures/{html.escape(name)}.{fmt}" for fmt in formats)
    return (
        f'<figure id="fig-{html.escape(name)}"><img alt="{html.escape(caption)}" '
        f'src="data:image/png;base64,{data}"><figcaption>{html.escape(caption)} '
        f"(also saved as {files})</figcaption></figure>"
    )


def table_html(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def list_html(items: list[str], css_class: str) -> str:
    return f'<ul class="{css_class}">' + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"


def page(title: str, lead: str, sections: list[tuple[str, str]], meta: str) -> str:
    """A whole HTML document from (heading, inner html) sections."""
    body = "".join(f"<h2>{html.escape(h)}</h2>{inner}" for h, inner in sections)
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p class=\"lead\">{html.escape(lead)}</p>{body}"
        f"<p class=\"meta\">{html.escape(meta)}</p></body></html>\n"
    )
