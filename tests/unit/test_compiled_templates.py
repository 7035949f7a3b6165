"""Compiled templates kept on disk between worker starts: never a reason for a page to fail."""

from __future__ import annotations

import shutil

from jinja2 import DictLoader, Environment

from fgdm.web import CompiledTemplates


def test_a_second_worker_reads_compiled_templates_and_a_folder_gone_only_means_compiling(
    tmp_path,
):
    folder = tmp_path / "compiled"
    folder.mkdir()
    loader = DictLoader({"page.html": "<p>{{ words }}</p>"})

    first = Environment(
        autoescape=True, loader=loader, bytecode_cache=CompiledTemplates(str(folder))
    )
    assert first.get_template("page.html").render(words="Our plan") == "<p>Our plan</p>"
    assert list(folder.iterdir())  # kept for the next worker

    second = Environment(
        autoescape=True, loader=loader, bytecode_cache=CompiledTemplates(str(folder))
    )
    assert second.get_template("page.html").render(words="Our plan") == "<p>Our plan</p>"

    shutil.rmtree(folder)  # the system's temporary folder was cleaned
    third = Environment(
        autoescape=True, loader=loader, bytecode_cache=CompiledTemplates(str(folder))
    )
    assert third.get_template("page.html").render(words="Our plan") == "<p>Our plan</p>"
