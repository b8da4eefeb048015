"""Autograd reproduces tutorials A-D exactly (gradients, training runs, published figures), and the checks can fail.

The oracle is `tinygrad_edu.apps.reference`: each tutorial's own hand-derived formulas in plain NumPy (itself
tested against central differences and a literal run of each tutorial in tests/test_reference.py).
`tinygrad-edu check` runs once for the whole module (about 3 s: every full schedule), and the tests read
its output and results.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from tinygrad_edu import optim
from tinygrad_edu.apps import check
from tinygrad_edu.apps.reference import TUTORIALS
from tinygrad_edu.apps.tutorial_checks import (
    GRAD_TOL,
    PUBLISHED_TOL,
    TRAJECTORY_TOL,
    build_autograd_model,
    check_gradients,
    half_summed_squared_error,
    mean_bce,
    mean_squared_error,
    to_state_dict,
    to_tutorial_params,
    train_twin,
)

NAMES = list(TUTORIALS)  # ['A', 'B', 'C', 'D']


@pytest.fixture(scope="module")
def checked():
    """`tinygrad-edu check` run once: (exit status, printed text, {name: CheckResult})."""
    results = {}
    real_run_checks = check.run_checks

    def keep_results(*args, **kwargs):
        for result in real_run_checks(*args, **kwargs):
            results[result.tutorial.name] = result
        return list(results.values())

    output = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(output):
        patch.setattr(check, "run_checks", keep_results)
        status = check.main([])
    return status, output.getvalue(), results


def table_rows(text: str) -> dict[str, list[str]]:
    """Each tutorial's row, split into cells: the name, then its cells from each printed table in turn.

    The tables' columns, in that order: network, loss its text claims, loss its update descends (lr x steps);
    seed, max|grad diff|, max|loss diff|, max|pred diff|; final predictions, published, max|diff| to
    published, result.
    """
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) > 1 and cells[0] in TUTORIALS:
            rows.setdefault(cells[0], [cells[0]]).extend(cells[1:])
    return rows


# ---- the twin: the same network, the same weights, the same loss -------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_twin_starts_from_the_tutorials_own_weights_and_computes_its_forward_pass(name):
    tutorial = TUTORIALS[name]
    twin = build_autograd_model(tutorial)
    initial = tutorial.init()
    for key, array in twin.params().items():
        np.testing.assert_array_equal(array, initial[key])
    assert twin.model.hidden.weight.dtype == np.float64
    np.testing.assert_allclose(twin.predict(), tutorial.predict(initial), rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_descended_and_reported_losses_are_the_tutorials(name):
    tutorial = TUTORIALS[name]
    twin = build_autograd_model(tutorial)
    initial = tutorial.init()
    predictions, loss = twin.forward_loss()
    assert loss.item() == pytest.approx(tutorial.loss(initial, tutorial.X, tutorial.y), rel=1e-14)
    assert twin.reported_loss(predictions) == pytest.approx(
        tutorial.reported_loss(initial, tutorial.X, tutorial.y), rel=1e-14
    )


def test_tutorial_d_bias_is_row_0_and_matrices_are_linear_weights_transposed():
    # The ones column comes FIRST in tutorial D, so row 0 of each (1 + in, out) matrix is the bias.
    hidden = np.arange(12.0).reshape(4, 3)  # (1 + in, out)
    output = np.arange(4.0).reshape(4, 1)
    state = to_state_dict(
        build_autograd_model(TUTORIALS["D"]).spec.layout, {"hidden_weights": hidden, "output_weights": output}
    )
    np.testing.assert_array_equal(state["hidden.bias"], [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(state["hidden.weight"], hidden[1:].T)  # (out, in)
    np.testing.assert_array_equal(state["output.bias"], [0.0])
    np.testing.assert_array_equal(state["output.weight"], [[1.0, 2.0, 3.0]])


@pytest.mark.parametrize("name", NAMES)
def test_weight_map_round_trips(name):
    layout = build_autograd_model(TUTORIALS[name]).spec.layout
    params = {key: np.random.default_rng(0).normal(size=shape) for key, shape in TUTORIALS[name].param_shapes.items()}
    back = to_tutorial_params(layout, to_state_dict(layout, params))
    assert back.keys() == params.keys()
    for key in params:
        np.testing.assert_array_equal(back[key], params[key])


# ---- check 1: gradients ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_autograd_gradients_equal_the_hand_derived_ones_at_init(name):
    tutorial = TUTORIALS[name]
    hand = tutorial.gradients(tutorial.init(), tutorial.X, tutorial.y)
    autograd = build_autograd_model(tutorial).gradients()
    for key in hand:
        np.testing.assert_allclose(autograd[key], hand[key], rtol=0, atol=GRAD_TOL)


@pytest.mark.parametrize("name", NAMES)
def test_autograd_gradients_equal_the_hand_derived_ones_over_the_first_100_steps(name, checked):
    _, _, results = checked
    assert results[name].grad_diff <= GRAD_TOL


@pytest.mark.parametrize("name", NAMES)
def test_sgd_on_the_twin_takes_the_tutorials_steps(name):
    # 100 steps of optim.SGD on the twin land where 100 of the tutorial's own updates land.
    tutorial = TUTORIALS[name]
    twin = build_autograd_model(tutorial)
    train_twin(twin, tutorial.lr, 100)
    params = tutorial.init()
    for _ in range(100):
        params = tutorial.step(params, tutorial.X, tutorial.y)
    for key, array in twin.params().items():
        np.testing.assert_allclose(array, params[key], rtol=0, atol=1e-12)


# ---- check 2: the full training run ---------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_full_schedule_reproduces_every_printed_loss_and_the_final_predictions(name, checked):
    _, _, results = checked
    assert results[name].loss_diff <= TRAJECTORY_TOL
    assert results[name].prediction_diff <= TRAJECTORY_TOL


@pytest.mark.parametrize("name", NAMES)
def test_final_predictions_are_the_pinned_output_of_the_tutorials_code(name, checked):
    # reproduced_predictions: a literal run of the tutorial's script, rounded to 6 decimals.
    _, _, results = checked
    np.testing.assert_allclose(
        results[name].predictions, TUTORIALS[name].reproduced_predictions, rtol=0, atol=5e-7 + 1e-12
    )


def test_tutorial_d_predictions_are_from_before_the_last_update(checked):
    _, _, results = checked
    _, reference_predictions = TUTORIALS["D"].train()
    after_last_update = results["D"].twin.predict()
    assert np.max(np.abs(results["D"].predictions - reference_predictions)) <= TRAJECTORY_TOL
    assert np.max(np.abs(after_last_update - reference_predictions)) > 1e3 * TRAJECTORY_TOL


# ---- check 3: published figures ------------------------------------------------------------------


def test_tutorial_a_reproduces_its_published_predictions_to_the_printed_precision(checked):
    # Printed to 2 decimals, but not exactly rounded (0.9866 appears as 0.98): held to one unit, 0.01.
    _, _, results = checked
    ours = results["A"].predictions
    assert np.max(np.abs(ours - TUTORIALS["A"].published_predictions)) <= PUBLISHED_TOL
    assert results["A"].published_diff <= PUBLISHED_TOL


def test_tutorial_d_published_predictions_are_reported_as_not_reproduced(checked):
    _, text, results = checked
    published = TUTORIALS["D"].published_predictions
    largest = np.max(np.abs(results["D"].predictions - published))
    assert largest > PUBLISHED_TOL
    assert results["D"].published_diff == pytest.approx(largest)
    assert "NOT reproduced" in table_rows(text)["D"][-2]
    assert f"{largest:.4f}" in table_rows(text)["D"][-2]


@pytest.mark.parametrize("name", ["B", "C"])
def test_tutorials_without_published_figures_compare_nothing(name, checked):
    _, text, results = checked
    assert results[name].published_diff is None
    assert table_rows(text)[name][-2] == "none shown"


def test_seed_column_says_which_seeds_are_ours(checked):
    _, text, _ = checked
    rows = table_rows(text)
    assert rows["C"][4] == "1 (ours)"  # tutorial C sets no seed
    assert [rows[name][4] for name in "ABD"] == ["42 (tutorial's)", "0 (tutorial's)", "1 (tutorial's)"]


# ---- the command ------------------------------------------------------------------------------------


def test_check_passes_and_prints_one_row_per_tutorial(checked):
    status, text, _ = checked
    assert status == 0
    header = " ".join(line for line in text.splitlines() if line.startswith("tutorial |"))
    for column in (
        "network",
        "loss its text claims",
        "loss its update descends",
        "max|grad diff|",
        "final predictions",
        "published",
        "result",
    ):
        assert column in header
    rows = table_rows(text)
    assert list(rows) == NAMES
    assert all(len(cells) == 12 for cells in rows.values())  # a row in each of the three tables
    assert all(cells[-1] == "pass" for cells in rows.values())
    assert "all checks passed" in text


def test_check_output_fits_a_terminal_of_110_columns(checked):
    _, text, _ = checked
    widest = max(text.splitlines(), key=len)
    assert len(widest) <= 110, widest


@pytest.mark.parametrize(
    "name, claimed, descended",
    [
        ("A", "BCE (mean)", "BCE (mean)"),
        ("B", "MSE (mean)", "1/2 SSE (sum)"),
        ("C", "BCE (mean)", "1/2 SSE (sum)"),
        ("D", "none", "1/2 MSE (mean)"),
    ],
)
def test_table_names_the_claimed_and_the_descended_loss(name, claimed, descended, checked):
    _, text, _ = checked
    cells = table_rows(text)[name]
    assert cells[2] == claimed
    assert cells[3].startswith(descended)


def test_unknown_tutorial_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as error:
        check.main(["E"])
    assert error.value.code == 2
    assert "unknown tutorial" in capsys.readouterr().err


# ---- the checks fail when the loss is wrong -------------------------------------------------------


def wrong_loss_builder(loss):
    """A builder whose twin descends `loss` instead of the loss the tutorial's update really descends."""
    return lambda tutorial: build_autograd_model(tutorial, loss=loss)


def test_mean_squared_error_has_half_tutorial_bs_gradient():
    # B prints the MSE over 4 samples; d MSE = (2/4) d(1/2 SSE): half the gradient its update follows.
    tutorial = TUTORIALS["B"]
    hand = tutorial.gradients(tutorial.init(), tutorial.X, tutorial.y)
    wrong = build_autograd_model(tutorial, loss=mean_squared_error).gradients()
    for key in hand:
        np.testing.assert_allclose(wrong[key], 0.5 * hand[key], rtol=1e-13, atol=0)


@pytest.mark.parametrize(
    "name, wrong_loss",
    [
        ("B", mean_squared_error),  # what B's text claims
        ("C", mean_bce),  # what C's text claims
        ("A", half_summed_squared_error),
    ],
)
def test_the_gradient_check_fails_on_a_loss_the_update_does_not_descend(name, wrong_loss):
    tutorial = TUTORIALS[name]
    grad_diff, _ = check_gradients(tutorial, wrong_loss_builder(wrong_loss), steps=3)
    assert grad_diff > 1e3 * GRAD_TOL


def test_check_fails_and_exits_non_zero_with_the_wrong_loss(capsys):
    status = check.main(["B"], build=wrong_loss_builder(mean_squared_error))
    text = capsys.readouterr().out
    assert status == 1
    assert table_rows(text)["B"][-1] == "FAIL"
    assert "B FAILED: max |grad difference|" in text
    assert "B FAILED: max |loss difference|" in text


def test_twin_trained_by_sgd_is_not_a_trivial_copy():
    # Guard on the lockstep test above: the parameters really move, by far more than its tolerance.
    tutorial = TUTORIALS["B"]
    twin = build_autograd_model(tutorial)
    optimizer = optim.SGD(twin.model.parameters(), lr=tutorial.lr)
    before = twin.params()
    twin.gradients()
    optimizer.step()
    moved = max(np.max(np.abs(twin.params()[key] - before[key])) for key in before)
    assert moved > 1e-3
