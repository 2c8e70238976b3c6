"""``--format markdown``: the pull-request / step summary, with its Mermaid chart, escaped."""

from __future__ import annotations

import re

from formats_fixtures import dense_context, incomplete_context, large_context, sample_context

from sgaudit.formats import OutputFormat, render
from sgaudit.formats.markdown_format import (
    MAX_EDGES,
    MAX_NODES,
    TOP_FINDINGS,
    md_code,
    md_text,
    mermaid_label,
)


def mermaid_block(md: str) -> list[str]:
    match = re.search(r"```mermaid\n(.*?)\n```", md, re.S)
    assert match, md
    return match.group(1).splitlines()


def test_summary_counts_and_top_findings() -> None:
    md = render(OutputFormat.MARKDOWN, sample_context())
    assert md.startswith("## sgaudit check: 7 findings\n")
    assert "| 1 | 3 | 1 | 1 | 1 | 1 |" in md
    assert "| **critical** | `internet-admin-ports` | `sg-0bastion22ssh001` |" in md
    assert "### Intents: 2 of 4 hold" in md
    assert "| api-reaches-db | `ecs:prod/api` | `rds:prod-db` | `tcp/5432` | reachable | **blocked** |" in md
    assert "alb-reaches-api" not in md  # only failed intents are listed


def test_incomplete_snapshot_is_a_caution_alert() -> None:
    md = render(OutputFormat.MARKDOWN, incomplete_context())
    assert "> [!CAUTION]\n> **Snapshot INCOMPLETE**: 3 collection calls failed" in md


def test_mermaid_flowchart_draws_the_path_and_failed_intents() -> None:
    lines = mermaid_block(render(OutputFormat.MARKDOWN, sample_context()))
    assert lines[0] == "flowchart LR"
    text = "\n".join(lines)
    ids = dict(re.findall(r'^\s*(n\d+)[\[(]+"([^"]*)"', text, re.M))
    by_label = {label.split("<br/>")[0]: node for node, label in ids.items()}
    internet, alb, api, db = (
        by_label["Internet"],
        by_label["prod-web"],
        by_label["prod/api"],
        by_label["prod-db"],
    )
    assert f'{internet} -->|"tcp/443, tcp/80"| {alb}' in text
    assert f'{alb} -->|"tcp/8080"| {api}' in text
    failed = [i for i, line in enumerate(e for e in lines if "-->" in e or "-.->" in e) if "✗" in line]
    assert f'{api} -.->|"✗ api-reaches-db tcp/5432: blocked"| {db}' in text
    style = next(line for line in lines if "stroke-dasharray:6 4" in line)
    assert style.strip().startswith("linkStyle " + ",".join(map(str, failed)) + " ")
    assert 'subgraph vpc0["vpc-0a1b2c3d4e5f60718"]' in text


def test_big_networks_are_cut_to_the_edges_that_matter() -> None:
    ctx = large_context(n_findings=100, n_endpoints=200)
    md = render(OutputFormat.MARKDOWN, ctx)
    lines = mermaid_block(md)
    edges = [line for line in lines if "-->" in line or "-.->" in line]
    assert len(edges) == MAX_EDGES
    assert all(line.strip().startswith("n0 ") for line in edges[:5])  # internet exposure first
    assert f"_{MAX_EDGES} of " in md
    assert f"_Showing {TOP_FINDINGS} of {ctx.report.summary.findings} findings" in md
    nodes = [line for line in lines if re.match(r'\s*n\d+[\[(]+"', line)]
    assert len(nodes) <= MAX_NODES


def test_a_dense_estate_charts_the_path_that_matters() -> None:
    ctx = dense_context()
    md = render(OutputFormat.MARKDOWN, ctx)
    print(f"dense Markdown summary: {len(md.encode()) / 1e3:.1f} kB for {len(ctx.network.flows)} flows")
    lines = mermaid_block(md)
    text = "\n".join(lines)
    edges = [line.strip() for line in lines if "-->" in line or "-.->" in line]
    nodes = dict(re.findall(r'^\s*(n\d+)[\[(]+"([^"]*)"', text, re.M))
    assert len(edges) == MAX_EDGES and len(nodes) <= MAX_NODES
    # The failed intent comes first; the internet reaches load balancers and instances directly.
    assert "✗ app-reaches-db tcp/5432: blocked" in edges[0]
    internet = next(node for node, label in nodes.items() if label.startswith("Internet"))
    exposed = [e.split()[-1] for e in edges if e.startswith(f"{internet} ")]
    assert any("elb:" in nodes[n] for n in exposed) and any("ec2:" in nodes[n] for n in exposed)
    assert any("rds:" in nodes[e.split()[-1]] for e in edges[1:])  # and something into the data tier
    pairs = len({(f.source, f.destination) for f in ctx.network.flows})
    assert f"_{MAX_EDGES} of {pairs + 1} flows shown, between {len(nodes)} of " in md


def test_escapers() -> None:
    assert md_text("a|b <i>x</i> *y* [l](u) `c`") == r"a\|b &lt;i&gt;x&lt;/i&gt; \*y\* \[l\](u) \`c\`"
    assert md_text("x" * 300, 10) == "xxxxxxxxx…"
    assert md_code("sg-1") == "`sg-1`"
    assert md_code("ecs:prod/api") == "`ecs:prod/api`"
    assert md_code("a`b|c") == "<code>a\\`b\\|c</code>"
    assert md_code("<b>x</b>") == "<code>&lt;b&gt;x&lt;/b&gt;</code>"
    assert mermaid_label('say "hi" <b>#1</b> `x` [a](b) {c} 50%') == (
        "say #34;hi#34; #60;b#62;#35;1#60;/b#62; #96;x#96; #91;a#93;#40;b#41; #123;c#125; 50#37;"
    )
