"""Remedies and the +Rp1 billion re-solve in a planner's words, in Indonesian and English: what a
pool's money is for, a pool's own figure where no pool alone suffices, a continuous target as a
continuous figure, and the re-solve's objective beside its gain."""

from __future__ import annotations

from app.i18n import speaker
from app.i18n.summary import explanation_lines, pool_lines, remedy_texts
from models import Problem, Scenario, Status, Village, VillageTable
from solver import solve

CHEAP = {"code": "JKK-JKM", "monthly_premium_idr": 16800}


def _problem(villages: list[Village], **scenario: object) -> Problem:
    groups = sorted({g for v in villages for g in v.uninsured})
    return Problem(
        table=VillageTable(groups=groups, villages=villages),
        scenario=Scenario.model_validate({"packages": [CHEAP], **scenario}),
    )


def _village(code: int, farmers: int, dana_desa: float, kabupaten: str) -> Village:
    return Village(
        village_code=f"32.16.01.{2000 + code}",
        village_name=f"Desa {code}",
        kecamatan="Kec A",
        kabupaten=kabupaten,
        dana_desa_idr=dana_desa,
        uninsured={"farmers": farmers},
    )


def test_a_pool_for_the_target_and_a_continuous_target_in_both_languages() -> None:
    villages = [_village(i, 100, 1e8, "Bekasi") for i in (1, 2, 3)]
    plan = solve(
        _problem(
            villages,
            budget={"dana_desa_share": 0.1, "apbd_pool_idr": 2e6},
            targets={"min_new_enrollments": 250},
        )
    )
    assert plan.status == Status.infeasible
    english = remedy_texts(plan.remedies, speaker("en"))
    indonesian = remedy_texts(plan.remedies, speaker("id"))
    assert any(t.startswith("an APBD pool of Rp") and t.endswith("for the target") for t in english)
    assert any(t.startswith("dana APBD Rp") and t.endswith("untuk target") for t in indonesian)
    assert "a target of at most 158,7301 new enrolments (now 250)" in english
    assert "target paling tinggi 158,7301 peserta baru (sekarang 250)" in indonesian
    # the explanation's figure is money for the target, not for floors
    [words] = [line for line in explanation_lines(plan, "en") if "Smallest change" in line]
    assert "a lower target" in words and "floor" not in words
    [kata] = [line for line in explanation_lines(plan, "id") if "Perubahan terkecil" in line]
    assert "target yang lebih rendah" in kata and "batas bawah" not in kata


def test_a_pool_that_alone_cannot_do_it_has_its_own_figure_in_words() -> None:
    villages = [_village(1, 100, 0.0, "Bekasi"), _village(2, 100, 0.0, "Karawang")]
    plan = solve(
        _problem(
            villages, budget={"apbd_pool_idr": {"Bekasi": 0, "Karawang": 0}}, targets={"min_coverage": 0.5}
        )
    )
    english = remedy_texts(plan.remedies, speaker("en"))
    indonesian = remedy_texts(plan.remedies, speaker("id"))
    assert (
        "an APBD pool of Rp10.080.000 in Bekasi for its own villages' floors, with the other "
        "shortfalls met too (now Rp0)"
    ) in english
    assert (
        "dana APBD Rp10.080.000 di Bekasi untuk batas bawah desa-desanya sendiri, bila "
        "kekurangan lainnya juga dipenuhi (sekarang Rp0)"
    ) in indonesian


def test_the_billion_more_re_solve_speaks_of_workers_not_of_objective_points() -> None:
    villages = [_village(1, 4000, 2e9, "A"), _village(2, 3000, 1.5e9, "A")]
    plan = solve(_problem(villages, budget={"dana_desa_share": 0.01, "apbd_pool_idr": {"A": 5e6}}))
    [pool] = plan.pools
    assert pool.plus_billion_enrollments is not None and pool.plus_billion_objective is not None
    en = speaker("en")
    [line] = pool_lines(plan, en)
    assert f"re-solved with Rp1 billion more: {en.fmt.count(pool.plus_billion_enrollments)} more" in line
    assert "objective" not in line
    id_ = speaker("id")
    [baris] = pool_lines(plan, id_)
    assert "tujuan" not in baris and id_.fmt.count(pool.plus_billion_enrollments) in baris
