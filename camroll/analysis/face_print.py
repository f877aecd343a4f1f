"""dlib's face print network, rebuilt as an ONNX graph from dlib's own weight file at load time.

**Why.** The face print is dlib's ResNet (``dlib_face_recognition_resnet_model_v1.dat``, CC0, from
``face-recognition-models``): the print ``face_recognition`` computes and that the people
thresholds were chosen for. The prebuilt ``dlib-bin`` wheel is compiled without a fast BLAS
(``DLIB_USE_BLAS`` is off), so dlib's own CPU code takes about 93 ms per face on one core, most of
a photo's analysis time. The very same network on onnxruntime (MLAS kernels) takes about 7 ms.

**How.** :func:`read_layers` reads the ``.dat`` file (dlib's serialisation: layers stored
input-first; integers as one header byte, ``0x80`` = negative, low nibble = byte count, then
little-endian bytes; tensors as version 2, n, k, rows, columns, then float32). :func:`build` emits
the same graph as dlib's ``dnn_face_recognition_ex.cpp`` defines it::

    input_rgb_image_sized<150>: (x - mean) / 256
    con<32,7,7,2,2> affine relu max_pool<3,3,2,2>
    3 x ares<32>; ares_down<64> + 3 x ares<64>; ares_down<128> + 2 x ares<128>;
    ares_down<256> + 2 x ares<256>; ares_down<256>; avg_pool_everything; fc_no_bias<128>
    ares      = relu(x + affine(con3x3(relu(affine(con3x3(x))))))
    ares_down = relu(avg_pool2x2s2(x) + affine(con3x3(relu(affine(con3x3s2(x))))))

Each ``affine`` (dlib's frozen batch norm) is folded into the convolution before it. dlib's
``add_prev`` adds tensors of different shapes by zero-padding both to the larger one (extra
channels; an extra bottom row and right column at one level), which becomes a ``Pad``.

**Verified equal.** On 103 real face chips the ONNX prints matched dlib's
``compute_face_descriptor`` to 4e-7 (largest absolute difference); ``tests/test_faces.py``
checks 1e-4 on real faces on every test run. The graph is deterministic (same weights, same
bytes), so :func:`convert` also checks the built model's sha256 against :data:`CONVERTED_SHA256`:
a different weight file or a change in the conversion (or in the ``onnx`` package's output) is
refused, like a swapped model file, instead of silently giving other prints.

The model is converted in memory once per worker (about 0.3-0.8 s) and not cached on disk: a
derived 22 MB file in the user's home would need its own invalidation and integrity check for a
saving of well under a second per analysis run.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import numpy as np

from camroll.analysis.base import ModelFileError, cpu_session

CHIP_SIDE = 150
"""The network's input: dlib's face chip, 150 x 150 RGB (``dlib.get_face_chip(img, shape, 150)``)."""
CHIP_PADDING = 0.25
"""dlib's default chip padding, the one ``compute_face_descriptor`` uses."""
CONVERTED_SHA256 = "598bc04bd3c9dd3c3a8cbc7629e39274b803fd01c5cae5963ecc16832f0b435f"
"""sha256 of the graph :func:`build` makes from the tested ``.dat`` file (checked equal to dlib)."""

_LAYER = re.compile(rb"(con_4|affine_|fc_2|max_pool_2|avg_pool_2|input_rgb_image_sized)")
_STAGES = (
    (32, 3, False),
    (64, 1, True),
    (64, 3, False),
    (128, 1, True),
    (128, 2, False),
    (256, 1, True),
    (256, 2, False),
    (256, 1, True),
)
"""Residual blocks in file order: (channels, repeats, downsampling)."""


class _Reader:
    def __init__(self, data: bytes, pos: int) -> None:
        self.data, self.pos = data, pos

    def int(self) -> int:
        head = self.data[self.pos]
        n = head & 0x0F
        value = int.from_bytes(self.data[self.pos + 1 : self.pos + 1 + n], "little")
        self.pos += 1 + n
        return -value if head & 0x80 else value

    def string(self) -> str:
        n = self.int()
        self.pos += n
        return self.data[self.pos - n : self.pos].decode("ascii", "replace")

    def float(self) -> float:
        """dlib's portable float: an integer mantissa and a power-of-two exponent."""
        mantissa = self.int()
        return mantissa * 2.0 ** self.int()

    def tensor(self) -> np.ndarray:
        if self.int() != 2:
            raise ModelFileError("dlib tensor of an unknown serialisation version")
        count = int(np.prod([self.int() for _ in range(4)]))
        values = np.frombuffer(self.data, "<f4", count, self.pos).copy()
        self.pos += 4 * count
        return values


def read_layers(data: bytes) -> list[dict[str, Any]]:
    """The network's layers with their weights, input first, from the ``.dat`` file's bytes."""
    layers: list[dict[str, Any]] = []
    for match in _LAYER.finditer(data):
        name = match.group().decode()
        r = _Reader(data, match.start() - 2)  # the name's length (a dlib int, 2 bytes) precedes it
        if r.string() != name:
            continue  # the bytes merely look like a name (inside weights): not a layer header
        if name == "con_4":
            params = r.tensor()
            filters, rows, cols, sy, sx, py, px = (r.int() for _ in range(7))
            depth = (params.size - filters) // (filters * rows * cols)
            weights = params[: filters * depth * rows * cols].reshape(filters, depth, rows, cols)
            layers.append({"t": "con", "w": weights, "b": params[weights.size :], "stride": (sy, sx), "pad": (py, px)})
        elif name == "affine_":
            params = r.tensor()
            layers.append({"t": "affine", "g": params[: params.size // 2], "beta": params[params.size // 2 :]})
        elif name == "fc_2":
            outputs, inputs = r.int(), r.int()
            layers.append({"t": "fc", "w": r.tensor()[: inputs * outputs].reshape(inputs, outputs)})
        elif name in ("max_pool_2", "avg_pool_2"):
            rows, cols, sy, sx, py, px = (r.int() for _ in range(6))
            layers.append({"t": name[:-2], "k": (rows, cols), "stride": (sy, sx), "pad": (py, px)})
        else:
            layers.append({"t": "input", "mean": [r.float(), r.float(), r.float()]})
    return layers


def build(layers: list[dict[str, Any]]) -> bytes:
    """The ONNX model (serialised): ``chips`` N x 150 x 150 x 3 uint8 RGB -> ``embedding`` N x 128."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[Any] = []
    constants: list[Any] = []
    shapes: dict[str, tuple[int, int, int]] = {}
    stream = iter(layers)

    def take(kind: str) -> dict[str, Any]:
        layer = next(stream, None)
        if layer is None or layer["t"] != kind:
            raise ModelFileError(f"dlib face print model: expected a {kind} layer, found {layer and layer['t']}")
        return layer

    def name(prefix: str) -> str:
        return f"{prefix}{len(nodes) + len(constants)}"

    def const(array: Any, dtype: Any = np.float32) -> str:
        n = name("c")
        constants.append(numpy_helper.from_array(np.asarray(array, dtype), n))
        return n

    def node(op: str, inputs: list[str], shape: tuple[int, int, int] | None, **attrs: Any) -> str:
        out = name(op)
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        if shape is not None:
            shapes[out] = shape
        return out

    def window(
        x: str, channels: int, k: tuple[int, int], stride: tuple[int, int], pad: tuple[int, int]
    ) -> tuple[int, int, int]:
        _, h, w = shapes[x]
        return channels, 1 + (h + 2 * pad[0] - k[0]) // stride[0], 1 + (w + 2 * pad[1] - k[1]) // stride[1]

    def conv(x: str) -> str:  # a convolution with the affine layer after it folded in
        c, a = take("con"), take("affine")
        w, b = c["w"] * a["g"][:, None, None, None], c["b"] * a["g"] + a["beta"]
        k = (w.shape[2], w.shape[3])
        return node(
            "Conv",
            [x, const(w), const(b)],
            window(x, w.shape[0], k, c["stride"], c["pad"]),
            strides=list(c["stride"]),
            pads=[*c["pad"], *c["pad"]],
            kernel_shape=list(k),
        )

    def pool(x: str, op: str, p: dict[str, Any]) -> str:
        return node(
            op,
            [x],
            window(x, shapes[x][0], p["k"], p["stride"], p["pad"]),
            kernel_shape=list(p["k"]),
            strides=list(p["stride"]),
            pads=[*p["pad"], *p["pad"]],
        )

    def relu(x: str) -> str:
        return node("Relu", [x], shapes[x])

    def add(a: str, b: str) -> str:  # dlib's add_prev: zero-pad both to the larger shape
        out = (max(shapes[a][0], shapes[b][0]), max(shapes[a][1], shapes[b][1]), max(shapes[a][2], shapes[b][2]))

        def padded(t: str) -> str:
            if shapes[t] == out:
                return t
            pads = [0, 0, 0, 0, 0, *(o - s for o, s in zip(out, shapes[t], strict=True))]
            return node("Pad", [t, const(pads, np.int64)], out)

        return node("Add", [padded(a), padded(b)], out)

    mean = np.array(take("input")["mean"], np.float32).reshape(1, 3, 1, 1)
    x = node("Cast", ["chips"], None, to=TensorProto.FLOAT)
    x = node("Transpose", [x], None, perm=[0, 3, 1, 2])
    x = node("Sub", [x, const(mean)], None)
    x = node("Mul", [x, const(1 / 256.0)], (3, CHIP_SIDE, CHIP_SIDE))
    x = pool(relu(conv(x)), "MaxPool", take("max_pool"))
    for _channels, repeats, down in _STAGES:
        for _ in range(repeats):
            y = conv(relu(conv(x)))
            x = relu(add(y, pool(x, "AveragePool", take("avg_pool")) if down else x))
    if take("avg_pool")["k"] != (0, 0):  # dlib's avg_pool_everything
        raise ModelFileError("dlib face print model: the last pooling is not a global average")
    x = node("Flatten", [node("GlobalAveragePool", [x], None)], None)
    nodes.append(helper.make_node("MatMul", [x, const(take("fc")["w"])], ["embedding"]))
    if next(stream, None) is not None:
        raise ModelFileError("dlib face print model: more layers than the known network")
    graph = helper.make_graph(
        nodes,
        "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("chips", TensorProto.UINT8, ["N", CHIP_SIDE, CHIP_SIDE, 3])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", 128])],
        constants,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="camroll")
    model.ir_version = 8
    onnx.checker.check_model(model)
    data: bytes = model.SerializeToString()
    return data


def convert(dat: Path) -> bytes:
    """The checked ONNX model for dlib's face print weights in ``dat``."""
    model = build(read_layers(dat.read_bytes()))
    digest = hashlib.sha256(model).hexdigest()
    if digest != CONVERTED_SHA256:
        raise ModelFileError(
            f"the face print model converted from {dat.name} has sha256 {digest[:12]}..., "
            f"expected {CONVERTED_SHA256[:12]}... (not the graph checked equal to dlib)"
        )
    return model


def session(dat: Path, threads: int) -> Any:
    """An onnxruntime session computing dlib's face print from 150 x 150 chips, ``threads`` intra-op."""
    return cpu_session(convert(dat), threads)
