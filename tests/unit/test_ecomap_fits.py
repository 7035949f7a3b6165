"""The height each network map needs, shared by the workers on one machine: a second worker
draws the same map in one try, and nothing kept there can change or break a drawing."""

from __future__ import annotations

import hashlib
import os
import shutil

import pytest

from fgdm.analysis.snapshot import PersonNode, Snapshot, Tie
from fgdm.network import ecomap
from fgdm.network.ecomap_fits import EcomapFits, private_folder
from fgdm.network.vocabulary import Closeness, PersonKind

KEY = "the Khan family's network, as drawn"


def crowded() -> Snapshot:
    """A child with twenty close friends: too many for the least height, so it is searched."""
    people = [PersonNode(id=1, name="Amir", is_child=True)]
    people += [
        PersonNode(id=10 + i, name=f"Friend number {i}", kind=PersonKind.friend) for i in range(20)
    ]
    ties = tuple(Tie(1, 10 + i, Closeness.close) for i in range(20))
    return Snapshot(people=tuple(people), ties=ties)


@pytest.fixture
def tries(monkeypatch) -> list[float]:
    """The stretches tried, in order, as a worker lays maps out."""
    tried: list[float] = []
    place = ecomap._place

    def counting(frame, *args, **kwargs):
        tried.append(frame.stretch)
        return place(frame, *args, **kwargs)

    monkeypatch.setattr(ecomap, "_place", counting)
    return tried


def draw(fits: EcomapFits, monkeypatch, key: str = KEY) -> ecomap.Ecomap:
    monkeypatch.setattr(ecomap, "FITS", fits)
    return ecomap._layout(crowded(), width=360, rtl=False, fits_key=key)


def test_a_second_worker_draws_a_map_another_worker_searched_in_one_try(
    tmp_path, monkeypatch, tries
):
    searched = draw(EcomapFits(tmp_path), monkeypatch)
    assert len(tries) > 2  # this map needed a search
    tries.clear()

    again = draw(EcomapFits(tmp_path), monkeypatch)  # another worker, the same folder

    assert len(tries) == 1
    assert again == searched
    # Another drawing (someone renamed, another language) does not take this one's height.
    tries.clear()
    draw(EcomapFits(tmp_path), monkeypatch, key="another drawing")
    assert len(tries) > 2


@pytest.mark.parametrize(
    "kept",
    [
        "nonsense",
        "",
        "\x00\xff binary",
        "{digest} 1.0",  # believable, but too short for twenty friends
        "{digest} nan",
        "{digest} 1e300",
        "{digest} -3",
        "0123456789abcdef 2.5",  # another drawing's, in the same slot
    ],
)
def test_a_damaged_or_wrong_kept_height_never_changes_the_drawing(
    tmp_path, monkeypatch, tries, kept
):
    searched = draw(EcomapFits(None), monkeypatch)
    digest = hashlib.sha256(KEY.encode()).hexdigest()
    slot = tmp_path / f"{digest[:3]}.fit"
    slot.write_bytes(kept.format(digest=digest).encode("latin-1"))

    assert draw(EcomapFits(tmp_path), monkeypatch) == searched
    # The search's answer replaced what was there, for the next worker.
    tries.clear()
    assert draw(EcomapFits(tmp_path), monkeypatch) == searched
    assert len(tries) == 1


def test_a_folder_gone_or_not_writable_only_means_searching_again(tmp_path, monkeypatch, tries):
    folder = tmp_path / "fits"
    folder.mkdir()
    fits = EcomapFits(folder)
    searched = draw(fits, monkeypatch)

    shutil.rmtree(folder)  # the system's temporary folder was cleaned
    tries.clear()
    assert draw(fits, monkeypatch) == searched
    assert len(tries) > 2

    folder.write_text("")  # something else in its place: nothing can be written there
    assert draw(fits, monkeypatch) == searched
    assert folder.read_text() == ""


def test_only_a_digest_and_a_number_are_kept(tmp_path, monkeypatch):
    draw(EcomapFits(tmp_path), monkeypatch, key=repr(crowded()))

    (slot,) = tmp_path.iterdir()
    text = slot.read_text()
    assert "Friend" not in text and "Amir" not in text
    digest, stretch = text.split()
    assert len(digest) == 64 and float(stretch) > 1
    assert slot.stat().st_mode & 0o077 == 0  # this user's alone


def test_the_shared_folder_is_refused_when_another_user_could_reach_it(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path))
    folder = private_folder("ecomap")
    assert folder is not None and folder.stat().st_mode & 0o777 == 0o700

    folder.chmod(0o755)  # someone made it readable to all
    assert private_folder("ecomap") is None

    folder.rmdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    os.symlink(elsewhere, folder)  # someone put a link in its place
    assert private_folder("ecomap") is None


def village(family: int, friends: int, *, children: int = 1) -> Snapshot:
    """Children with `family` close relatives and `friends` friends of mixed closeness."""
    people = [PersonNode(id=i + 1, name=f"Child {i}", is_child=True) for i in range(children)]
    ties = []
    for i in range(family + friends):
        kind = PersonKind.family if i < family else PersonKind.friend
        closeness = Closeness.close if i < family else list(Closeness)[i % len(Closeness)]
        people.append(PersonNode(id=100 + i, name=f"Helper number {i}", kind=kind))
        ties.append(Tie(1 + i % children, 100 + i, closeness))
    return Snapshot(people=tuple(people), ties=tuple(ties))


@pytest.mark.parametrize("width", [360, 720])
@pytest.mark.parametrize(
    "snapshot",
    [village(2, 1), crowded(), village(15, 30), village(5, 55, children=3), village(40, 80)],
    ids=["three people", "twenty friends", "forty-five", "sixty, three children", "120"],
)
def test_the_search_starts_near_the_answer_and_finds_the_same_height(
    snapshot, width, monkeypatch, tries
):
    monkeypatch.setattr(ecomap, "FITS", EcomapFits(None))
    guessed = ecomap._layout(snapshot, width=width, rtl=False)
    guessed_tries = len(tries)

    walked = walk_up_from_the_least(snapshot, width, monkeypatch, tries)

    assert guessed == walked
    assert guessed_tries <= min(len(tries), 5)


@pytest.mark.parametrize("wrong_by", [-3, 2, 6])
def test_a_guess_too_low_or_too_high_still_finds_the_least_height(wrong_by, monkeypatch, tries):
    monkeypatch.setattr(ecomap, "FITS", EcomapFits(None))
    likely_step = ecomap._likely_step
    monkeypatch.setattr(ecomap, "_likely_step", lambda *args: max(likely_step(*args) + wrong_by, 0))
    guessed = ecomap._layout(village(15, 30), width=360, rtl=False)

    assert guessed == walk_up_from_the_least(village(15, 30), 360, monkeypatch, tries)


def walk_up_from_the_least(snapshot, width, monkeypatch, tries) -> ecomap.Ecomap:
    """The map drawn by trying each height from the least up (the search without a guess)."""
    tries.clear()
    monkeypatch.setattr(ecomap, "_likely_step", lambda *_: 0)
    return ecomap._layout(snapshot, width=width, rtl=False)
