"""The MNIST landscape: a plane's grid equals the direct loss at its points for every kind of plane, a run whose
weights blow up still gets a PCA plane, a diverged run cannot span or centre one, and bad options are refused."""
from __future__ import annotations

import numpy as np
import pytest

from mnist import landscape, landscape_plane, model, train, train_config
from mnist.model import Layout
from tests.mnist_files import needs_mnist
from validation import ValidationError


@needs_mnist
@pytest.mark.parametrize("method", list(landscape_plane.PLANES))
def test_landscape_grid_equals_the_direct_loss(prepared, method):
    config = train_config.make_config([("adam", {}), ("momentum", {}), ("gd", {})], epochs=1, train_subset=2000)
    result = train.train(config, prepared)
    land = landscape.compute(result, prepared.train, method, resolution=9, n_samples=500)
    images = landscape.landscape_samples(prepared.train, 500)
    plane = land.plane
    for j, i in ((0, 0), (4, 7), (8, 8)):
        theta = (plane.center + land.xs[i] * plane.d1 + land.ys[j] * plane.d2).astype(np.float32)
        direct = model.evaluate(theta, 64, images.indptr, images.indices, images.values, images.labels)[0]
        assert land.zs[j, i] == pytest.approx(direct, rel=1e-4)
    assert 0.0 <= plane.explained_total <= 1.0 + 1e-9
    if method == "endpoints":  # both chosen paths end exactly on the plane
        np.testing.assert_allclose(plane.explained[:2] > 0, True)
        for k in range(2):
            end = plane.center + plane.paths[k, -1, 0] * plane.d1 + plane.paths[k, -1, 1] * plane.d2
            np.testing.assert_allclose(end, result.snapshots[k, -1], atol=1e-5)
    if method == "pca":
        assert plane.explained_total > 0.5  # a short run moves mostly in a few directions
    if method == "random":
        assert plane.explained_total < 0.05  # two random directions of 50,890 miss almost everything


@needs_mnist
def test_a_run_whose_weights_blow_up_still_gets_a_pca_plane(prepared):
    """NAG at lr 1000 sends the weights to ~1e21 without a non-finite value (so it has not diverged): the PCA's
    products would overflow float32 without scaling."""
    config = train_config.make_config([("adam", {}), ("nag", {"lr": 1000.0})], hidden=16, epochs=1, train_subset=1000)
    result = train.train(config, prepared)
    assert np.abs(result.snapshots[1]).max() > 1e15
    plane = landscape_plane.make_plane(result, "pca")
    assert np.isfinite(plane.paths).all() and np.isfinite([plane.d1, plane.d2]).all()


def test_a_diverged_run_cannot_span_or_centre_a_plane():
    snapshots = np.zeros((2, 3, Layout(4).size), dtype=np.float32)
    snapshots[:, 1:] = np.random.default_rng(0).standard_normal((2, 2, Layout(4).size))
    config = train_config.make_config([("adam", {}), ("gd", {})], hidden=4, epochs=1, train_subset=100)
    result = train.TrainResult(config, np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 1)), np.zeros((2, 1)),
                               snapshots, np.arange(3), [None, 2], steps_per_epoch=2,
                               batch_orders=np.zeros((1, 100), dtype=np.int64))
    with pytest.raises(ValidationError, match="gd diverged at step 2"):
        landscape_plane.make_plane(result, "endpoints")
    with pytest.raises(ValidationError, match="gd diverged at step 2"):
        landscape_plane.make_plane(result, "pca", center="gd")
    plane = landscape_plane.make_plane(result, "pca")  # the plane of the run that trained
    assert plane.trained == (0,)


@needs_mnist
def test_landscape_options_are_validated(prepared):
    config = train_config.make_config([("adam", {}), ("gd", {})], epochs=1, train_subset=640)
    result = train.train(config, prepared)
    centred = landscape_plane.make_plane(result, "pca", center="gd")
    np.testing.assert_array_equal(centred.center, result.snapshots[1, -1])
    np.testing.assert_allclose(centred.paths[1, -1], 0.0, atol=1e-6)  # gd's end is the plane's origin
    with pytest.raises(ValidationError, match="two different optimizers"):
        landscape_plane.make_plane(result, "endpoints", pair=("adam", "adam"))
    with pytest.raises(ValidationError, match="unknown landscape plane"):
        landscape_plane.make_plane(result, "hessian")
    with pytest.raises(ValidationError, match="landscape samples"):
        landscape.compute(result, prepared.train, n_samples=0)
