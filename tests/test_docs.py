"""The docs' examples run as written: every ```python block of docs/api.md, in order, as one script."""

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", path.read_text(), flags=re.DOTALL | re.MULTILINE)


def test_api_md_has_an_example_for_each_task():
    code = "\n".join(python_blocks(DOCS / "api.md"))
    for call in ("TrainConfig.from_preset(", "train(", "InfoGAN.load(", ".generate(", ".encode(", "categorical_accuracy(",
                 "evaluate(", "mig("):
        assert call in code, call


def test_every_example_in_api_md_runs(real_data_root, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INFOGAN_DATA", str(real_data_root))
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    for number, block in enumerate(python_blocks(DOCS / "api.md"), 1):
        try:
            exec(compile(block, f"docs/api.md block {number}", "exec"), namespace)
        except Exception as error:  # name the block that broke
            pytest.fail(f"docs/api.md block {number} raised {type(error).__name__}: {error}\n{block}")
    printed = capsys.readouterr().out
    assert "update 50: L_I(c1)" in printed and "accuracy on 1,000 test digits" in printed
    assert (tmp_path / "runs" / "api-mnist" / "threes.png").is_file() and (tmp_path / "runs" / "api-mnist" / "c2.png").is_file()
    assert namespace["last"]["step"] == 60 and 0.0 <= namespace["scored"]["accuracy"] <= 1.0
    assert set(namespace["result"]["disentanglement"]) >= {"factor_vae", "beta_vae", "mig", "sap", "dci_disentanglement"}
