"""Transformers built from GEMMs, softmax and layer norm: BERT-base, ViT-B/16, GPT-2 (124M), a Transformer encoder.

Attention is spelled out as operators by `attention_block`: a fused QKV projection,
per-head ``Q @ K^T`` and ``P @ V`` (GEMMs whose B operand is an activation), a softmax
and the output projection. The 1/sqrt(d) scaling is taken as folded into the QKV weights.
"""

from __future__ import annotations

from typing import Literal

from hwcodesign.core.checks import require_int
from hwcodesign.core.errors import ConfigError
from hwcodesign.workloads.operators import Conv2d, Elementwise, Embedding, Gemm, LayerNorm, Softmax
from hwcodesign.workloads.workload import Workload
from hwcodesign.workloads.zoo._registry import WORKLOADS

__all__ = ["attention_block", "encoder_layer", "bert_base", "vit_b16", "gpt2", "transformer_encoder"]


def attention_block(w: Workload, x: str | None, *, tokens: int, d_model: int, heads: int,
                    kv_tokens: int | None = None, bias: bool = True, prefix: str = "attn") -> str:
    """Add multi-head self-attention reading ``x`` to ``w``; return the output operator's name.

    Parameters
    ----------
    w
        The workload to add to.
    x
        Name of the operator producing the (``tokens`` x ``d_model``) input; ``None`` for none.
    tokens
        Query tokens per sample.
    d_model, heads
        Model width and number of heads (``d_model`` must divide evenly).
    kv_tokens
        Keys/values attended to (default ``tokens``). With a KV cache (decoding) it is
        the context length: ``K`` and ``V`` are read from the cache, so the score and
        context GEMMs read ``kv_tokens`` rows of cache while the projection makes one.
    bias
        Whether the projections have biases.
    prefix
        Prefix of the operator names.

    Examples
    --------
    >>> w = Workload("one_layer")
    >>> out = attention_block(w, None, tokens=4, d_model=8, heads=2)
    >>> w.names()
    ['attn_qkv', 'attn_scores', 'attn_softmax', 'attn_context', 'attn_out']
    >>> w.macs == 4 * 8 * 24 + 2 * (2 * 4 * 4 * 4) + 4 * 8 * 8
    True
    """
    if d_model % heads:
        raise ConfigError(f"d_model={d_model} must be a multiple of heads={heads}.")
    kv = tokens if kv_tokens is None else kv_tokens
    d_head = d_model // heads
    inputs = () if x is None else (x,)
    qkv = w.add(Gemm(m=tokens, n=3 * d_model, k=d_model, bias=bias), inputs, name=f"{prefix}_qkv")
    scores = w.add(Gemm(m=tokens, n=kv, k=d_head, groups=heads, b_operand="activation"), (qkv,),
                   name=f"{prefix}_scores")
    probs = w.add(Softmax(rows=heads * tokens, length=kv), (scores,), name=f"{prefix}_softmax")
    context = w.add(Gemm(m=tokens, n=d_head, k=kv, groups=heads, b_operand="activation"), (probs, qkv),
                    name=f"{prefix}_context")
    return w.add(Gemm(m=tokens, n=d_model, k=d_model, bias=bias), (context,), name=f"{prefix}_out")


def encoder_layer(w: Workload, x: str | None, *, tokens: int, d_model: int, heads: int, d_ff: int,
                  kv_tokens: int | None = None, pre_norm: bool, prefix: str, activation: str = "gelu") -> str:
    """Add one transformer layer (attention + MLP, residuals, layer norms); return its output name.

    ``pre_norm=True`` puts layer norm before each sub-block (ViT, GPT-2); ``False`` after
    each residual add (BERT, the original Transformer). ``activation`` is the MLP's
    nonlinearity (GELU; ``'relu'`` in the original Transformer). ``x`` is ``None`` for a
    first layer that reads the network's input (no producer operator).
    """
    n = tokens * d_model

    def norm(src: str | None, label: str) -> str:
        return w.add(LayerNorm(rows=tokens, features=d_model), () if src is None else (src,), name=f"{prefix}_{label}")

    h = norm(x, "ln1") if pre_norm else x
    a = attention_block(w, h, tokens=tokens, d_model=d_model, heads=heads, kv_tokens=kv_tokens,
                        prefix=f"{prefix}_attn")
    x = w.add(Elementwise(op="add", elements=n, num_inputs=2), (a,) if x is None else (a, x), name=f"{prefix}_add1")
    h = norm(x, "ln2") if pre_norm else (x := norm(x, "ln1"))
    h = w.add(Gemm(m=tokens, n=d_ff, k=d_model, bias=True), (h,), name=f"{prefix}_ffn1")
    h = w.add(Elementwise(op=activation, elements=tokens * d_ff), (h,), name=f"{prefix}_{activation}")
    h = w.add(Gemm(m=tokens, n=d_model, k=d_ff, bias=True), (h,), name=f"{prefix}_ffn2")
    x = w.add(Elementwise(op="add", elements=n, num_inputs=2), (h, x), name=f"{prefix}_add2")
    return x if pre_norm else norm(x, "ln2")


def _done(w: Workload, factory: str, **kwargs: object) -> Workload:
    w._origin = (factory, {**kwargs, "batch": w.batch, "precision": w.precision})
    return w


@WORKLOADS.register("bert_base")
def bert_base(*, batch: int = 1, precision: str = "int8", seq_len: int = 128, pooler: bool = True) -> Workload:
    """BERT-base encoder (Devlin et al. 2019): 12 layers, d=768, 12 heads, FFN 3072, vocab 30522.

    Embeddings (word, position, token type), the encoder and, if ``pooler``, the
    pooler (as Hugging Face's ``BertModel``); no task head. ``seq_len`` <= 512.

    Examples
    --------
    >>> bert_base().params
    109482240
    """
    seq_len = require_int("seq_len", seq_len, low=1, high=512)
    w = Workload("bert_base", batch=batch, precision=precision)
    d = 768
    tok = w.add(Embedding(tokens=seq_len, vocab=30522, dim=d), name="word_embeddings")
    pos = w.add(Embedding(tokens=seq_len, vocab=512, dim=d), name="position_embeddings")
    typ = w.add(Embedding(tokens=seq_len, vocab=2, dim=d), name="token_type_embeddings")
    x = w.add(Elementwise(op="add", elements=seq_len * d, num_inputs=3), (tok, pos, typ), name="embeddings_add")
    x = w.add(LayerNorm(rows=seq_len, features=d), (x,), name="embeddings_ln")
    for i in range(12):
        x = encoder_layer(w, x, tokens=seq_len, d_model=d, heads=12, d_ff=3072, pre_norm=False, prefix=f"layer{i}")
    if pooler:
        x = w.add(Gemm(m=1, n=d, k=d, bias=True), (x,), name="pooler")
        w.add(Elementwise(op="tanh", elements=d), (x,), name="pooler_tanh")
    return _done(w, "bert_base", seq_len=seq_len, pooler=pooler)


@WORKLOADS.register("vit_b16")
def vit_b16(*, batch: int = 1, precision: str = "int8", image_size: int = 224, classes: int = 1000) -> Workload:
    """ViT-B/16 (Dosovitskiy et al. 2021) as torchvision's ``vit_b_16``: 16x16 patches, 12 layers, d=768.

    The class token and learned position embedding are `Embedding` operators (their
    tables are the parameters); the add that joins them to the patch embeddings reads
    all three.

    Examples
    --------
    >>> vit_b16().params
    86567656
    """
    image_size = require_int("image_size", image_size, low=16, multiple_of=16, where="argument of vit_b16")
    w = Workload("vit_b16", batch=batch, precision=precision)
    d, patches = 768, (image_size // 16) ** 2
    tokens = patches + 1
    proj = w.add(Conv2d(in_channels=3, out_channels=d, in_h=image_size, in_w=image_size, kernel_h=16, kernel_w=16,
                        stride_h=16, stride_w=16, bias=True), name="conv_proj")
    cls = w.add(Embedding(tokens=1, vocab=1, dim=d), name="class_token")
    pos = w.add(Embedding(tokens=tokens, vocab=tokens, dim=d), name="pos_embedding")
    # One operator joins [class token; patches] and adds the position embedding.
    x = w.add(Elementwise(op="add", elements=tokens * d, num_inputs=3), (proj, cls, pos), name="embed_add")
    for i in range(12):
        x = encoder_layer(w, x, tokens=tokens, d_model=d, heads=12, d_ff=3072, pre_norm=True, prefix=f"layer{i}")
    x = w.add(LayerNorm(rows=tokens, features=d), (x,), name="ln")
    w.add(Gemm(m=1, n=classes, k=d, bias=True), (x,), name="head")
    return _done(w, "vit_b16", image_size=image_size, classes=classes)


@WORKLOADS.register("gpt2")
def gpt2(*, batch: int = 1, precision: str = "int8", phase: Literal["prefill", "decode"] = "prefill",
         seq_len: int = 128) -> Workload:
    """GPT-2 small (124M; Radford et al. 2019): 12 pre-norm layers, d=768, 12 heads, vocab 50257.

    ``phase='prefill'`` processes ``seq_len`` prompt tokens (attention computed densely
    over ``seq_len`` keys, as causal-masked kernels usually do) and produces logits for
    every token. ``phase='decode'`` is one generation step: one new token attends to a
    KV cache of ``seq_len`` tokens (the context, including itself). The LM head reuses
    the token-embedding matrix (``weight_shared``), so it adds MACs but no parameters.

    Examples
    --------
    >>> gpt2().params
    124439808
    >>> gpt2(phase="decode", seq_len=512)["lm_head"].gemm_view()
    GemmView(m=1, n=50257, k=768, groups=1)
    """
    if phase not in ("prefill", "decode"):
        raise ConfigError(f"The 'phase' argument of gpt2 must be one of 'prefill', 'decode'. Got {phase!r}.")
    seq_len = require_int("seq_len", seq_len, low=1, high=1024)
    w = Workload("gpt2", batch=batch, precision=precision)
    d, vocab = 768, 50257
    new = seq_len if phase == "prefill" else 1
    tok = w.add(Embedding(tokens=new, vocab=vocab, dim=d), name="wte")
    pos = w.add(Embedding(tokens=new, vocab=1024, dim=d), name="wpe")
    x = w.add(Elementwise(op="add", elements=new * d, num_inputs=2), (tok, pos), name="embed_add")
    for i in range(12):
        x = encoder_layer(w, x, tokens=new, d_model=d, heads=12, d_ff=3072, kv_tokens=seq_len, pre_norm=True,
                          prefix=f"h{i}")
    x = w.add(LayerNorm(rows=new, features=d), (x,), name="ln_f")
    w.add(Gemm(m=new, n=vocab, k=d, weight_shared=True), (x,), name="lm_head")
    return _done(w, "gpt2", phase=phase, seq_len=seq_len)


@WORKLOADS.register("transformer_encoder")
def transformer_encoder(*, batch: int = 1, precision: str = "int8", layers: int = 6, d_model: int = 512,
                        heads: int = 8, d_ff: int = 2048, seq_len: int = 128) -> Workload:
    """The encoder stack of the Transformer (Vaswani et al. 2017), base model by default.

    ``layers`` post-norm layers (attention, residual add, layer norm, ReLU FFN, residual
    add, layer norm), as PyTorch's ``nn.TransformerEncoder`` of ``nn.TransformerEncoderLayer
    (d_model, heads, d_ff)``: no embeddings, no final norm. It reads ``seq_len`` vectors of
    ``d_model``. Each layer has 4 (d^2 + d) attention, 2 d d_ff + d_ff + d FFN and 4 d
    norm parameters: 3,152,384 for the base model.

    Examples
    --------
    >>> w = transformer_encoder()
    >>> w.params == 6 * (4 * (512 * 512 + 512) + 2 * 512 * 2048 + 2048 + 512 + 4 * 512)
    True
    >>> transformer_encoder(d_model=500)
    Traceback (most recent call last):
    ...
    hwcodesign.core.errors.ConfigError: d_model=500 must be a multiple of heads=8.
    """
    layers = require_int("layers", layers, low=1, high=1000)
    seq_len = require_int("seq_len", seq_len, low=1, high=1 << 20)
    for name, value in (("d_model", d_model), ("heads", heads), ("d_ff", d_ff)):
        require_int(name, value, low=1, high=1 << 20)
    if d_model % heads:
        raise ConfigError(f"d_model={d_model} must be a multiple of heads={heads}.")
    w = Workload("transformer_encoder", batch=batch, precision=precision)
    x = None  # the network input: layer 0's QKV projection and first residual add read it
    for i in range(layers):
        x = encoder_layer(w, x, tokens=seq_len, d_model=d_model, heads=heads, d_ff=d_ff, pre_norm=False,
                          prefix=f"layer{i}", activation="relu")
    return _done(w, "transformer_encoder", layers=layers, d_model=d_model, heads=heads, d_ff=d_ff, seq_len=seq_len)
