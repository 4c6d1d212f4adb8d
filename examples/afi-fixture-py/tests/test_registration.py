"""The Python fixture's IR and edge manifest are byte-identical to the Rust
fixture's golden files (PYTHON.md "Conformance"), whatever the order of
registration, through the App and through scripts/fixture-py."""

import random
import subprocess
from pathlib import Path

import pytest

import afi_fixture
from mizan import App

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "examples" / "afi-fixture" / "golden"


def test_ir_and_manifest_match_the_rust_fixtures_golden_files() -> None:
    app = afi_fixture.app()
    assert app.ir() == (GOLDEN / "fixture.kdl").read_text()
    assert app.manifest() == (GOLDEN / "manifest.json").read_text()


def test_ir_and_manifest_are_independent_of_registration_order() -> None:
    functions = afi_fixture.functions()
    texts = set()
    for seed in (1, 2, 3):
        shuffled = functions[:]
        random.Random(seed).shuffle(shuffled)
        app = App(shuffled, mwt_secret=afi_fixture.DEFAULT_MWT_SECRET)
        texts.add((app.ir(), app.manifest()))
    assert len(texts) == 1


@pytest.mark.parametrize("kind", ["fastapi", "django"])
@pytest.mark.parametrize(("flag", "golden"), [("--emit-ir", "fixture.kdl"), ("--emit-manifest", "manifest.json")])
def test_the_fixture_command_emits_the_golden_files(kind: str, flag: str, golden: str) -> None:
    out = subprocess.run(
        [str(ROOT / "scripts" / "fixture-py"), kind, flag], check=True, capture_output=True, text=True, timeout=600
    )
    assert out.stdout == (GOLDEN / golden).read_text()
