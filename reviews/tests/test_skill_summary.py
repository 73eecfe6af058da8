"""The computed skill summary over hand-made code sequences: counts, figures and their bands."""

from fractions import Fraction

import pytest

from reviews.skill_summary import BELOW_FAIR, FAIR, GOOD, skill_summary


def counts_of(summary) -> dict[str, int]:
    return {item.label: item.count for item in summary.counts}


def test_it_counts_every_code_of_every_turn():
    summary = skill_summary(
        [
            ["simple_reflection", "open_question"],
            ["closed_question", "closed_question"],
            ["complex_reflection", "affirm", "emphasize_autonomy"],
            ["seek_collaboration", "persuade", "persuade_with_permission"],
            ["confront", "give_information", "other"],
        ]
    )
    assert summary.turns == 5
    assert counts_of(summary) == {
        "Open questions": 1,
        "Closed questions": 2,
        "Simple reflections": 1,
        "Complex reflections": 1,
        "Affirmations": 1,
        "Emphasising autonomy": 1,
        "Seeking collaboration": 1,
        "Advice and persuasion": 2,
        "Confrontation": 1,
    }
    assert summary.reflections == 2 and summary.questions == 3


def test_giving_information_is_not_advice():
    summary = skill_summary([["give_information"], ["give_information"]])
    assert counts_of(summary)["Advice and persuasion"] == 0


def test_with_no_questions_the_question_figures_have_no_value_and_no_band():
    summary = skill_summary([["simple_reflection"], ["complex_reflection"]])
    ratio, complex_share, open_share = summary.figures
    assert ratio.value is None and ratio.band is None
    assert ratio.display == "no questions yet"
    assert open_share.value is None and open_share.band is None
    assert open_share.display == "no questions yet"
    assert complex_share.value == Fraction(1, 2) and complex_share.band == GOOD


def test_with_no_reflections_the_complex_share_has_no_value_and_the_ratio_is_zero():
    summary = skill_summary([["open_question"], ["closed_question"]])
    ratio, complex_share, open_share = summary.figures
    assert complex_share.value is None and complex_share.band is None
    assert complex_share.display == "no reflections yet"
    assert ratio.value == 0 and ratio.band == BELOW_FAIR and ratio.display == "0:1"
    assert open_share.value == Fraction(1, 2) and open_share.display == "50%"


def test_a_turn_of_other_codes_only_has_no_figures():
    summary = skill_summary([["other"], ["give_information"]])
    assert all(figure.value is None and figure.band is None for figure in summary.figures)
    assert all(item.count == 0 for item in summary.counts)


def test_a_mixed_session():
    summary = skill_summary(
        [
            ["open_question"],
            ["simple_reflection", "open_question"],
            ["complex_reflection", "closed_question"],
            ["complex_reflection"],
            ["simple_reflection", "affirm"],
        ]
    )
    ratio, complex_share, open_share = summary.figures
    assert ratio.value == Fraction(4, 3) and ratio.display == "1.3:1" and ratio.band == FAIR
    assert complex_share.value == Fraction(1, 2) and complex_share.band == GOOD
    assert open_share.value == Fraction(2, 3) and open_share.display == "66%"
    assert open_share.band == FAIR


def reflections_and_questions(reflections: int, questions: int) -> list[list[str]]:
    return [["simple_reflection"]] * reflections + [["closed_question"]] * questions


@pytest.mark.parametrize(
    ("reflections", "questions", "band"),
    [(99, 100, BELOW_FAIR), (1, 1, FAIR), (199, 100, FAIR), (2, 1, GOOD), (5, 1, GOOD)],
)
def test_the_ratio_bands_at_their_boundaries(reflections, questions, band):
    ratio = skill_summary(reflections_and_questions(reflections, questions)).figures[0]
    assert ratio.band == band


def test_a_ratio_just_short_of_a_target_never_reads_as_the_target():
    ratio = skill_summary(reflections_and_questions(199, 100)).figures[0]
    assert ratio.display == "1.9:1" and ratio.band == FAIR


@pytest.mark.parametrize(
    ("complex_count", "simple_count", "band"),
    [(39, 61, BELOW_FAIR), (2, 3, FAIR), (49, 51, FAIR), (1, 1, GOOD), (3, 0, GOOD)],
)
def test_the_complex_reflection_bands_at_their_boundaries(complex_count, simple_count, band):
    codes = [["complex_reflection"]] * complex_count + [["simple_reflection"]] * simple_count
    assert skill_summary(codes).percent_complex_reflections.band == band


@pytest.mark.parametrize(
    ("open_count", "closed_count", "band"),
    [(49, 51, BELOW_FAIR), (1, 1, FAIR), (69, 31, FAIR), (7, 3, GOOD), (1, 0, GOOD)],
)
def test_the_open_question_bands_at_their_boundaries(open_count, closed_count, band):
    codes = [["open_question"]] * open_count + [["closed_question"]] * closed_count
    assert skill_summary(codes).percent_open_questions.band == band


def test_each_figure_names_its_target_and_its_source():
    ratio, complex_share, open_share = skill_summary([["open_question"]]).figures
    assert ratio.target == "fair 1:1, good 2:1 (MITI 4.2.1)"
    assert complex_share.target == "fair 40%, good 50% (MITI 4.2.1)"
    assert open_share.target == "fair 50%, good 70% (MITI 3.1.1)"
