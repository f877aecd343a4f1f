"""Face quality features (camroll/people/face_quality.py) on drawn faces whose answers are known."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from camroll.people.face_quality import laplacian_variance, measure

FRONTAL = np.array([[40.0, 40.0], [60.0, 40.0], [50.0, 50.0], [42.0, 60.0], [58.0, 60.0]])


def _checker() -> np.ndarray:
    y, x = np.mgrid[0:100, 0:100]
    grey = (((x // 4) + (y // 4)) % 2 * 255).astype(np.uint8)
    return np.stack([grey] * 3, -1)


def test_blur_lowers_sharpness() -> None:
    sharp = _checker()
    blurred = np.asarray(Image.fromarray(sharp).filter(ImageFilter.GaussianBlur(3)))
    a = measure(sharp, (20, 20, 80, 80), FRONTAL, 0.9).sharpness
    b = measure(blurred, (20, 20, 80, 80), FRONTAL, 0.9).sharpness
    assert b < a / 5
    assert laplacian_variance(np.zeros((10, 10))) == 0.0


def test_frontal_pose() -> None:
    q = measure(_checker(), (25, 25, 75, 75), FRONTAL, 0.9)
    assert abs(q.nose_offset) < 0.01
    assert abs(q.eye_ratio - 0.4) < 0.01
    assert abs(q.mouth_below - 1.0) < 0.01
    assert q.width == 50


def test_profile_and_tilt() -> None:
    profile = FRONTAL.copy()
    profile[2] = (66.0, 50.0)  # the nose beyond the right eye
    assert measure(_checker(), (25, 25, 75, 75), profile, 0.9).nose_offset > 1.0
    # a frontal face turned 90 degrees keeps its pose features
    turned = FRONTAL[:, ::-1].copy()
    q = measure(_checker(), (25, 25, 75, 75), turned, 0.9)
    assert abs(q.nose_offset) < 0.01 and abs(q.mouth_below - 1.0) < 0.01
