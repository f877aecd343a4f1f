"""``python -m camroll.search.minilm_export OUT``: the all-MiniLM-L6-v2 transformer -> ONNX at OUT.

Run once per model version by :func:`camroll.analysis.onnx_cache.cached_onnx`, in its own process,
so that ``camroll search`` itself never imports torch or transformers (about 10 s of a cold
search went to those imports). Only the transformer is exported: its output is one vector per
token; the mean pooling and the L2 normalisation that sentence-transformers adds on top are done
in numpy by :mod:`camroll.search.synonyms`. The weights are checked by sha256 first, and the
Hugging Face libraries are told they are offline before they are imported.
"""

from __future__ import annotations

import os
import sys
import warnings


def export(out: str) -> None:
    from camroll.analysis.base import package_file
    from camroll.search.synonyms import MODEL_FILE, MODEL_PACKAGE, MODEL_SHA256, ONNX_OPSET

    weights = package_file(MODEL_PACKAGE, MODEL_FILE, MODEL_SHA256)
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    bert = AutoModel.from_pretrained(str(weights.parent), local_files_only=True)
    bert.eval()

    class TokenVectors(torch.nn.Module):
        """The transformer called by keyword: its positional arguments change between versions."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = bert  # a submodule, so its weights export as weights, not constants

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, types: torch.Tensor) -> torch.Tensor:
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=types)
            return out.last_hidden_state  # type: ignore[no-any-return]

    model = TokenVectors()
    ids = torch.tensor([[101, 7592, 102]], dtype=torch.int64)  # [CLS] hello [SEP]: any tokens do, the axes are dynamic
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            out,
            dynamo=False,
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["token_embeddings"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "token_embeddings": axes},
            opset_version=ONNX_OPSET,
        )


if __name__ == "__main__":
    export(sys.argv[1])
