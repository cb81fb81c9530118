"""Write a notebook the way Jupyter does (nbformat 4, one JSON string per source line)."""

import json, sys


def lines(text):
    out = text.split("\n")
    return [l + "\n" for l in out[:-1]] + ([out[-1]] if out[-1] else [])


def md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": lines(text)}


def code(text, outputs, n):
    outs = []
    for kind, value in outputs:
        if kind == "stream":
            outs.append({"name": "stdout", "output_type": "stream", "text": lines(value)})
        elif kind == "result":
            outs.append(
                {
                    "data": {"text/plain": lines(value)},
                    "execution_count": n,
                    "metadata": {},
                    "output_type": "execute_result",
                }
            )
        elif kind == "error":
            outs.append(
                {"ename": value[0], "evalue": value[1], "output_type": "error", "traceback": []}
            )
    return {
        "cell_type": "code",
        "execution_count": n,
        "metadata": {},
        "outputs": outs,
        "source": lines(text),
    }


def write(path, cells):
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(nb, fh, indent=1, ensure_ascii=False)
        fh.write("\n")


PERCEPTRON_ZH = [
    md(
        "# 感知机：手算一步梯度下降\n\n感知机的损失函数为\n\n$$\n"
        "L(w, b) = \\sum_{i} \\max(0, -y_i (w^\\top x_i + b))\n$$\n\n"
        "数据：x₁ = [2, 3]，x₂ = [1, −1]，标签 y = [1, −1]；初始 w = 0，b = 0，学习率 η = 0.1。"
    ),
    code(
        "import numpy as np\n\nX = np.array([[2, 3], [1, -1]], dtype=float)\n"
        "y = np.array([1, -1], dtype=float)\nw = np.zeros(2)\nb = 0.0\nlr = 0.1",
        [],
        1,
    ),
    md(
        "两个样本的得分都是 0，间隔 $y_i s_i = 0 \\le 0$，所以 M = {1, 2}。\n\n"
        "```math\n∂L/∂w = −(1·[2,3] + (−1)·[1,−1])\n"
        "      = −([2,3] − [1,−1])\n      = −[1, 2]\n      = [−1, −2]\n```\n\n"
        "而 ∂L/∂b = −(1 + (−1)) = 0。"
    ),
    code(
        "M = y * (X @ w + b) <= 0\ngrad_w = -(y[M] @ X[M])\ngrad_w",
        [("result", "array([-1., -4.])")],
        2,
    ),
    md("更新一步：w_new = [0, 0] − 0.1·[−1, −2] = [0.1, 0.2]。"),
    code("w_new = w - lr * grad_w\nprint(w_new)", [("stream", "[0.1 0.2]\n")], 3),
    code(
        "loss = np.maximum(0, -y * (X @ w + b)).sum()\nprint(loss)  # 输出：0.0\nprint(los)",
        [("stream", "0.0\n"), ("error", ("NameError", "name 'los' is not defined"))],
        4,
    ),
]

CLEAN_ZH = [
    md(
        "# 逻辑回归的一步梯度\n\n损失函数：\n\n$$\n"
        "L(w, b) = \\sum_{i=1}^{n} \\log\\left(1 + e^{-y_i (w^\\top x_i + b)}\\right)\n$$\n\n"
        "样本 x₁ = [1, 0]，x₂ = [0, 1]，标签 y = [1, −1]，从 w = [0, 0]、b = 0 出发，η = 0.5。"
    ),
    md(
        "在原点处 σ(0) = 0.5，所以\n\n"
        "$$\n\\nabla_w L = -\\sum_{i=1}^{n} y_i\\, \\sigma\\!\\left(-y_i (w^\\top x_i + b)\\right) x_i\n$$\n\n"
        "```math\n∂L/∂w = −(1·0.5·[1, 0] + (−1)·0.5·[0, 1]) = −[0.5, −0.5] = [−0.5, 0.5]\n```\n\n"
        "损失 L = 2·log(2) ≈ 1.386，∂L/∂b = −(0.5 − 0.5) = 0。"
    ),
    md("更新：w_new = [0, 0] − 0.5·[−0.5, 0.5] = [0.25, −0.25]。"),
    code(
        "import numpy as np\n\nX = np.array([[1.0, 0.0], [0.0, 1.0]])\ny = np.array([1.0, -1.0])\n"
        "w, b, lr = np.zeros(2), 0.0, 0.5\np = 1 / (1 + np.exp(y * (X @ w + b)))\n"
        "grad_w = -(y * p) @ X\nprint(grad_w)\nprint(w - lr * grad_w)",
        [("stream", "[-0.5  0.5]\n[ 0.25 -0.25]\n")],
        1,
    ),
    code("float(np.log1p(np.exp(-y * (X @ w + b))).sum())", [("result", "1.3862943611198906")], 2),
]

if __name__ == "__main__":
    import pathlib

    here = pathlib.Path(__file__).parent
    write(here / "perceptron_zh.ipynb", PERCEPTRON_ZH)
    write(here / "clean_zh.ipynb", CLEAN_ZH)
