"""Claims of notebook 07 (choosing an initializer), re-measured over at least 20 seeds.

Each test names the section whose sentence (or ``cu.agree`` line) it guards,
and says why its tolerance is safe. A test fails when the sentence would
become false, not when one draw is unlucky.
"""

import math

import numpy as np
import pytest

import course_utils as cu
from course_utils import GUIDE, SCHEMES
from course_utils import mean_field as mf
from course_utils.training import compare_schemes
from course_utils.displays.capstone import (JacobianSpectrumDisplay, LayerGainDisplay, ResidualBlocksDisplay,
                                            ResidualStreamDisplay, forget_gate_path)

SEEDS = range(20)
FAN_SCALED = [name for name in SCHEMES if SCHEMES[name].fan_scaled]
# Training claims: two data draws x ten weight seeds, all networks of one activation trained
# side by side in one fit_many call (the claim is about the weights' draw and the data's).
PAIRS = [(data, weights) for data in (1, 2) for weights in range(10)]


@pytest.fixture(scope="module", autouse=True)
def _one_blas_thread():
    # The stacked products of fit_many are small: several BLAS threads only contend (as in a notebook).
    cu.limit_blas_threads()


def _train(activation, *, optimizer="sgd", learning_rate=0.5, schemes=FAN_SCALED):
    """Final (loss, accuracy) arrays, shape (len(PAIRS), len(schemes)), after 300 full-batch steps."""
    losses, accs = [], []
    for data in sorted({d for d, _ in PAIRS}):
        X, y = cu.make_circles(200, rng=data)
        nets = [cu.MLP((2, 16, 16, 1), scheme=s, activation=activation, rng=w)
                for d, w in PAIRS if d == data for s in schemes]
        hist = cu.fit_many(nets, X, y, epochs=300, learning_rate=learning_rate, optimizer=optimizer,
                           record_every=300)
        losses += [h["loss"][-1] for h in hist]
        accs += [h["accuracy"][-1] for h in hist]
    shape = (len(PAIRS), len(schemes))
    return np.reshape(losses, shape), np.reshape(accs, shape)


@pytest.fixture(scope="module")
def sgd_runs():
    return {a: _train(a) for a in ("sigmoid", "tanh", "relu")}


def test_every_scheme_fan_scaled_tanh_relu_fit_the_rings(sgd_runs):
    """§ Every scheme: 'every fan-scaled scheme reaches 100%' with tanh and ReLU (one draw of
    20 reached 0.995, a single point; 0.99 is two points), and the loss curves end below 0.08
    (largest 0.06)."""
    for activation in ("tanh", "relu"):
        loss, acc = sgd_runs[activation]
        assert acc.min() >= 0.99, activation
        assert loss.max() < 0.08, activation


def test_every_scheme_sigmoid_is_slow_under_sgd_and_fits_under_adam(sgd_runs):
    """§ Every scheme: sigmoid is slow under plain SGD at lr 0.5 (every fan-scaled loss still
    above 0.5 after 300 steps; lowest 0.62), while Adam at lr 0.01 fits the same networks
    (this run: all 1.00; over 20 draws the mean over schemes >= 0.95, one network at 0.835)."""
    loss, _ = sgd_runs["sigmoid"]
    assert loss.min() > 0.5
    _, acc = _train("sigmoid", optimizer="adam", learning_rate=0.01)
    assert acc.mean(axis=1).min() >= 0.95 and acc.min() >= 0.8


@pytest.mark.parametrize("scheme", ["zeros", "constant"])
def test_symmetry_spread_stays_exactly_zero(scheme):
    """§ Every scheme: zeros and constant units stay copies (spread exactly 0), accuracy at most one split."""
    for seed in SEEDS:
        X, y = cu.make_circles(60, rng=seed)
        c = compare_schemes([scheme], ["tanh", "relu"], X, y, epochs=50, seed=seed)
        for a in ("tanh", "relu"):
            assert c[scheme, a].initial_spread == 0.0 == c[scheme, a].final_spread
    c = compare_schemes(["zeros"], ["sigmoid", "tanh", "relu"], *cu.make_circles(200, rng=1), epochs=300)
    np.testing.assert_array_equal(c.final_accuracy(), 0.5)


def test_classic_rows_agree_with_the_engine_and_a_wrong_scale_does_not():
    """§ The classic rows: the guide's schemes within a factor 4 of the engine's std ratio
    (finite-width drift compounds over 19 layers: the ReLU family's sd is 0.37 in log, and one of
    20 seeds here missed by 3.1 for leaky ReLU), against a factor 2.5e7 for a wrong scale; ReLU + the 1/sqrt(n) uniform within 2.5 of 6^-9.5 and its weight
    gradients level within a factor 3 (0.59-2.41 over 100 seeds)."""
    for seed in SEEDS:
        gen = np.random.default_rng(seed)
        for activation, name in GUIDE.items():
            p = cu.signal_propagation(name, activation, depth=20, width=128, batch=32, rng=gen,
                                      weight_gradients=False)
            theory = mf.layer_profile(activation, SCHEMES[name].std(128, 128) ** 2 * 128, 20)
            ratio = (p.std[-1] / p.std[0]) / (theory.std[-1] / theory.std[0])
            assert 1 / 4 < ratio < 4, (seed, activation)
        wrong = cu.signal_propagation("xavier", "relu", depth=20, width=128, batch=32, rng=gen)
        assert 1 / 2.5 < (wrong.std[-1] / wrong.std[0]) / 6 ** -9.5 < 2.5, seed
        assert 1 / 3 < wrong.weight_gradient_std[0] / wrong.weight_gradient_std[-1] < 3, seed


def test_relu_he_log_std_drifts_down_at_finite_width():
    """§ The classic rows: "ReLU with He lands below 1 ... the log-std drifts down with depth, the more
    the narrower the layers". Over 20 seeds at depth 20 the geometric mean of the std ratio is below
    0.9 at width 128 (0.73 over 8 seeds), and the mean log ratio is higher at width 512."""
    def log_ratios(width):
        runs = [cu.signal_propagation("he_normal", "relu", depth=20, width=width, batch=32, rng=seed,
                                      weight_gradients=False) for seed in SEEDS]
        return np.array([math.log(p.std[-1] / p.std[0]) for p in runs])
    narrow, wide = log_ratios(128), log_ratios(512)
    assert math.exp(narrow.mean()) < 0.9
    assert narrow.mean() < wide.mean()          # at 512 the drift is lost in the seed scatter (+0.01)


def test_gelu_silu_gain_curves():
    """§ GELU and SiLU: ReLU + He flat (within 0.15), GELU + He halves small signals, the forward-only
    rule shrinks small signals, holds q = 1 and grows large ones (the dots of one layer of width 256
    scatter by a few %; the q = 100 dot ranged 1.07-1.27 over 100 seeds against 1.18)."""
    rules = {act: mf.second_moment_weight_var(act) for act in ("gelu", "silu")}
    for seed in SEEDS:
        g = LayerGainDisplay.from_run([("relu", 2.0), ("gelu", 2.0), ("gelu", rules["gelu"]),
                                       ("silu", rules["silu"])], rng=seed)
        assert np.all(np.abs(g.measured["relu", 2.0] - 1) < 0.15)
        assert g.measured["gelu", 2.0][0] < 0.6 and g.measured["gelu", 2.0][-1] > 0.9
        for act, s in rules.items():
            m = g.measured[act, s]
            assert m[0] < 0.8 and abs(m[4] - 1) < 0.1 and m[-1] > 1.0, (seed, act)
        assert np.all(np.abs(g.measured["gelu", rules["gelu"]][[0, 4, 8]]
                             - g.predicted["gelu", rules["gelu"]][[0, 30, 59]]) < 0.15)
    # the engine's numbers the text quotes
    assert rules["gelu"] == pytest.approx(2.35, abs=0.005) and rules["silu"] == pytest.approx(2.81, abs=0.005)
    assert mf.backward_gain("gelu", rules["gelu"]) == pytest.approx(1.07, abs=0.01)
    with pytest.raises(ValueError):
        mf.critical_weight_var("gelu")


def test_transformer_stream_grows_linearly_unless_scaled():
    """§ Transformers: every stream within 25% of Var[x0] + k v at the top (16 x 64 values per
    sub-block); unscaled 48 layers > 3x 12 layers; scaled, 48 and 12 layers within 25%."""
    for seed in SEEDS:
        s = ResidualStreamDisplay.from_run((12, 48), d=64, batch=16, rng=seed)
        for key, var in s.variance.items():
            assert abs(var[-1] / s.predicted[key][-1] - 1) < 0.25, (seed, key)
        assert s.variance[48, False][-1] > 3 * s.variance[12, False][-1]
        assert abs(s.variance[48, True][-1] / s.variance[12, True][-1] - 1) < 0.25


def test_residual_blocks():
    """§ Residual networks: BN gamma 1 within 20% of 1 + k, the Fixup scale within 60% of
    (1 + 2/L)^L (16 random branch gains compound: sd 0.13, largest miss 0.45 over 100 seeds),
    no-norm He within a factor 10 of 3^16, identity blocks exact."""
    for seed in SEEDS:
        b = ResidualBlocksDisplay.from_run(16, width=64, batch=128, seed=seed)
        last = {k: b.variance[k][-1] / b.predicted[k][-1] for k in b.variance}
        assert abs(last["BN, gamma 1"] - 1) < 0.2 and abs(last["no norm, Fixup scale"] - 1) < 0.6, seed
        assert 0.1 < last["no norm, He"] < 10 and last["BN, gamma 0"] == 1.0 == last["Fixup (last layer 0)"]


def test_batch_norm_invariance_to_weight_scale():
    """§ Residual networks: BN(x cW) = BN(xW) up to eps for c in 0.5..10."""
    from course_utils.displays.capstone import _batch_norm
    for seed in SEEDS:
        gen = np.random.default_rng(seed)
        x, w = gen.standard_normal((256, 64)), cu.he_normal((64, 64), rng=gen)
        ref = _batch_norm(x @ w)
        for c in (0.5, 2.0, 10.0):
            assert np.abs(_batch_norm(x @ (c * w)) - ref).max() < 1e-4


def test_orthogonal_jacobian():
    """§ Orthogonal: all singular values 1 at every depth; the Gaussian rms within 0.125 sqrt(L)
    of 1 (sd 0.12 at depth 16, largest miss 0.43 over 100 seeds) and the spread widening."""
    for seed in SEEDS:
        j = JacobianSpectrumDisplay.from_run(64, (1, 2, 4, 8, 16), rng=seed)
        assert np.abs(j.orthogonal - 1).max() < 1e-12
        assert np.all(np.abs(j.rms - 1) < 0.125 * np.sqrt(j.depths)) and np.all(np.diff(j.spread) > 0)


def test_lstm_forget_gate_per_step_is_sigmoid_of_bias():
    """§ LSTM: the gates' geometric mean within 5% of sigmoid(b) (inputs of variance ~0.2 pull it a
    few % below)."""
    for seed in SEEDS:
        for bias in (0.0, 1.0):
            per_step = np.exp(np.log(forget_gate_path(bias, rng=seed)).mean() / 20)
            assert abs(per_step / (1 / (1 + math.exp(-bias))) - 1) < 0.05


def test_output_bias_at_log_prior():
    """§ Log prior: b = 0 starts near ln 2 (a little above: the logits' spread; up to 0.14 over
    100 seeds, so 0.2), the prior bias within 0.03 of H(0.01) = 0.056."""
    pi = 0.01
    entropy = -(pi * math.log(pi) + (1 - pi) * math.log(1 - pi))
    for seed in SEEDS:
        gen = np.random.default_rng(seed)
        X, y = gen.standard_normal((10_000, 20)), (gen.random(10_000) < pi).astype(float)
        net = cu.MLP((20, 16, 16, 1), scheme="normalized_xavier", activation="tanh", rng=gen)
        assert abs(net.loss(X, y) - math.log(2)) < 0.2
        net.biases[-1][:] = math.log(pi / (1 - pi))
        assert abs(net.loss(X, y) - entropy) < 0.03


def _scaled(s, distribution, mode):
    return lambda shape, rng, dtype: cu.variance_scaling(shape, scale=s, mode=mode, distribution=distribution,
                                                        rng=rng, dtype=dtype)


def test_selu_lecun_against_calculate_gain():
    """§ SELU: q at layer 30 within a factor 2.2 of the engine (|ln| at most 0.51 over 100 seeds);
    q* = 1 and 0.023."""
    for seed in SEEDS:
        for s in (1.0, 9 / 16):
            p = cu.signal_propagation(_scaled(s, "untruncated_normal", "fan_in"), "selu", depth=30, width=128,
                                      batch=32, rng=seed, weight_gradients=False)
            assert abs(math.log(p.preactivation_std[-1] ** 2 / mf.layer_profile("selu", s, 30).preactivation_var[-1])) \
                < math.log(2.2), (seed, s)
    assert mf.fixed_point("selu", 1.0) == pytest.approx(1.0, abs=1e-3)
    assert mf.fixed_point("selu", 9 / 16) == pytest.approx(0.023, abs=0.001)


def test_sigmoid_four_times_rule():
    """§ Sigmoid (a recap of notebook 03): the 4x rule helps the gradient (chi 0.056 -> 0.40) without
    making it critical (chi = 1 only at ~103, with about half the units saturated)."""
    assert mf.backward_gain("sigmoid", 1.0) == pytest.approx(0.056, abs=0.001)
    assert mf.backward_gain("sigmoid", 16.0) == pytest.approx(0.40, abs=0.01)
    s_crit = mf.critical_weight_var("sigmoid")
    z = np.random.default_rng(0).standard_normal(200_000) * math.sqrt(mf.fixed_point("sigmoid", s_crit))
    out = cu.activate("sigmoid", z)
    assert abs(s_crit - 103) < 1 and 0.4 < np.mean(out * (1 - out) < 0.05 * 0.25) < 0.6


def test_leaky_keras_std():
    """§ Leaky ReLU: VarianceScaling's truncated normal has kaiming_normal_(a)'s std within 1% (600k draws)."""
    for seed in SEEDS:
        w = cu.variance_scaling((300, 2000), scale=2 / 1.04, mode="fan_in", distribution="truncated_normal", rng=seed)
        assert abs(w.std() / (cu.calculate_gain("leaky_relu", 0.2) / math.sqrt(300)) - 1) < 0.01


def test_explore_bullets():
    """§ Explore: random_normal + tanh saturation within 0.05 of the engine (width x batch >= 1024
    units); He + tanh std within 7% (4.1% at most over 100 seeds), q* 0.618, chi 1.106; some
    He + ReLU units dead at layer 20 (11-55% over 100 seeds)."""
    for seed in SEEDS:
        gen = np.random.default_rng(seed)
        for width in (32, 120):
            p = cu.signal_propagation("random_normal", "tanh", depth=20, width=width, batch=32, rng=gen,
                                      dtype=np.float64, weight_gradients=False)
            q = mf.fixed_point("tanh", float(width))
            assert abs(p.saturated[-1] - math.erfc(math.atanh(math.sqrt(0.95)) / math.sqrt(2 * q))) < 0.05
        p = cu.signal_propagation("he_normal", "tanh", depth=30, width=128, batch=32, rng=gen, weight_gradients=False)
        assert abs(p.std[-1] / mf.layer_profile("tanh", 2.0, 30).std[-1] - 1) < 0.07
        r = cu.signal_propagation("he_normal", "relu", depth=20, width=64, batch=32, rng=gen, weight_gradients=False)
        assert r.dead[-1] > 0.05
    assert mf.fixed_point("tanh", 2.0) == pytest.approx(0.618, abs=0.001)
    assert mf.backward_gain("tanh", 2.0) == pytest.approx(1.106, abs=0.001)


def _uniform_limit(scale):
    """The colleague's uniform samplers of exercise 1: limit sqrt(scale(shape))."""
    return lambda shape, rng, dtype: rng.uniform(-1, 1, size=shape).astype(dtype) * math.sqrt(scale(shape))


#: exercise 1's networks: the colleague's two sound samplers, the buggy LeCun normal and the fix
_EX1 = {"A": ("tanh", _uniform_limit(lambda sh: 6 / (sh[0] + sh[1]))),
        "B": ("relu", _uniform_limit(lambda sh: 6 / sh[0])),
        "bug": ("selu", lambda shape, rng, dtype: rng.normal(0, math.sqrt(3 / shape[0]), size=shape).astype(dtype)),
        "fix": ("selu", "lecun_normal")}


def _q30(sampler, activation, seed):
    return cu.signal_propagation(sampler, activation, depth=30, width=128, batch=32, rng=seed,
                                 weight_gradients=False).preactivation_std[-1] ** 2


def test_exercises_hold_for_any_seed():
    """Exercises: ex1's SELU network with the colleague's sqrt(3/n) normal (s = 3) runs away from LeCun's
    q (above 1e5, 2.8e6 at least over 20 seeds, against below 3), while the A (tanh, Glorot uniform) and B (relu,
    He uniform) samplers stay within a factor 20 of
    the engine in variance (B: 0.11 to 4.3 over 20 seeds; the finite-width drift and scatter of 30 ReLU
    layers), so exactly one network is the bug; ex2's network at
    s_crit stays within 20% of the engine in every layer (17% at most over 40 seeds), and Glorot with
    the bias is ordered (chi < 1)."""
    s_crit = mf.critical_weight_var("tanh", bias_var=0.2)
    assert mf.backward_gain("tanh", 1.0, bias_var=0.2) < 1 < s_crit
    pred = np.sqrt(mf.layer_profile("tanh", s_crit, 40, bias_var=0.2).preactivation_var)
    for seed in SEEDS:
        q = {s: _q30(sampler, act, seed) for s, (act, sampler) in _EX1.items()}
        assert q["bug"] > 1e5 and q["fix"] < 3, seed
        for name, s_w in (("A", 1.0), ("B", 2.0)):
            assert 1 / 20 < q[name] / mf.layer_profile(_EX1[name][0], s_w, 30).preactivation_var[-1] < 20, (seed, name)
        z = cu.signal_propagation(_scaled(s_crit, "untruncated_normal", "fan_in"), "tanh", depth=40, width=200,
                                  batch=100, rng=seed, bias_var=0.2, dtype=np.float64,
                                  weight_gradients=False).preactivation_std
        assert np.all(np.abs(z / pred - 1) < 0.2), seed
