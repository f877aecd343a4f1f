"""``python -m camroll.analysis.tags_export OUT``: EfficientNet-Lite0 weights -> ONNX at OUT.

Run once per model version by :func:`camroll.analysis.onnx_cache.cached_onnx`, in its own process,
so that only this short-lived process imports torch. The weights are checked by sha256 first.
"""

from __future__ import annotations

import sys
import warnings


def export(out: str) -> None:
    import torch
    from efficientnet_lite_pytorch import EfficientNet  # builds the network; no download code runs

    from camroll.analysis.base import package_file
    from camroll.analysis.tags import INPUT_SIDE, MODEL_FILE, MODEL_PACKAGE, MODEL_SHA256, ONNX_OPSET

    model = EfficientNet.from_name("efficientnet-lite0")  # from_pretrained(None) would download
    weights = package_file(MODEL_PACKAGE, MODEL_FILE, MODEL_SHA256)
    model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True), strict=True)
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (torch.zeros(1, 3, INPUT_SIDE, INPUT_SIDE),),
            out,
            dynamo=False,
            input_names=["pixels"],
            output_names=["logits"],
            opset_version=ONNX_OPSET,
        )


if __name__ == "__main__":
    export(sys.argv[1])
