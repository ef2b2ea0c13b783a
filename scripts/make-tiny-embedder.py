#!/usr/bin/python3
"""Generates the tiny BERT-like embedding model the embedder tests load (src/embed/fixtures/tiny-embedder/).

Why a generated model: tests must never download weights, and a real model is tens of megabytes. This one has the
same interface as a transformers.js feature-extraction model (inputs input_ids, attention_mask, token_type_ids;
output last_hidden_state), a real WordPiece tokenizer.json over a small English vocabulary, and weights drawn from a
fixed seed as exact multiples of 1/128, so texts that share words get a higher cosine similarity than unrelated
texts. The graph is word embedding + token-type embedding -> MatMul -> Tanh; model_quantized.onnx holds the same
weights as int8 behind DequantizeLinear (what transformers.js loads for dtype "q8").

Deterministic: running it twice writes identical bytes. Needs only Debian's python3-onnx and numpy:
    /usr/bin/python3 scripts/make-tiny-embedder.py [output-dir]
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HIDDEN = 64
SEED = 20250826
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PUNCTUATION = [".", ",", "?", "!", ":", ";", "'", '"', "-", "(", ")"]
SUFFIXES = ["##s", "##es", "##ed", "##ing", "##ly", "##er", "##est", "##y", "##n", "##d"]
WORDS = """
the of and to a in is it you that he was for on are with as i his they be at one have this from or had by word but
what some we can out other were all there when up use your how said an each she which do their time if will way
about many then them write would like so these her long make thing see him two has look more day could go come did
number sound no most people my over know water than call first who may down side been now find any new work part
take get place made live where after back little only round man year came show every good me give our under name
very through just form sentence great think say help low line differ turn cause much mean before move right boy old
too same tell does set three want air well also play small end put home read hand port large spell add even land
here must big high such follow act why ask men change went light kind off need house picture try us again animal
point mother world near build self earth father head stand own page should country found answer school grow study
still learn plant cover food sun four between state keep eye never last let thought city tree cross farm hard start
might story saw far sea draw left late run while press close night real life few north open seem together next
white children begin got walk example ease paper group always music those both mark often letter until mile river
car feet care second book carry took science eat room friend began idea fish mountain stop once base hear horse cut
sure watch color face wood main enough plain girl usual young ready above ever red list though feel talk bird soon
body dog family direct pose leave song measure door product black short numeral class wind question happen complete
ship area half rock order fire south problem piece told knew pass since top whole king space heard best hour better
true during hundred five remember step early hold west ground interest reach fast verb sing listen six table travel
less morning ten simple several vowel toward war lay against pattern slow center love person money serve appear road
map rain rule govern pull cold notice voice unit power town fine certain fly fall lead cry dark machine note wait plan
figure star box noun field rest correct able pound done beauty drive stood contain front teach week final gave green
oh quick develop ocean warm free minute strong special mind behind clear tail produce fact street inch multiply
nothing course stay wheel full force blue object decide surface deep moon island foot system busy test record boat
common gold possible plane stead dry wonder laugh thousand ago ran check game shape equate hot miss brought heat snow
tire bring yes distant fill east paint language among cat mat sat stock market price rose fell bank loan coffee tea
cup passage query represent searching relevant passages sentence cook dinner lunch breakfast hike hiking trip
birthday wedding job doctor hospital sister brother daughter son wife husband guitar piano soccer tennis movie
""".split()


def vocabulary():
    """Special tokens, punctuation, suffix pieces, then the words; duplicates dropped, order kept."""
    seen = {}
    for token in SPECIAL + PUNCTUATION + SUFFIXES + WORDS:
        if token not in seen:
            seen[token] = len(seen)
    return seen


def grid_weights(rng, shape, levels):
    """Integer draws in [-levels, levels] divided by 128: exact in float32 and in int8, identical on every machine."""
    return (rng.integers(-levels, levels + 1, size=shape).astype(np.int64)).astype(np.float32) / np.float32(128)


def weights(vocab_size):
    rng = np.random.default_rng(SEED)
    word = grid_weights(rng, (vocab_size, HIDDEN), 127)
    # [PAD], [CLS] and [SEP] occur in every text; zero rows keep them from making unrelated texts look alike.
    for special in (0, 2, 3):
        word[special, :] = 0
    # [UNK] stays small so two texts made of unknown words do not look like near-duplicates.
    word[1, :] = word[1, :] / np.float32(8)
    token_type = grid_weights(rng, (2, HIDDEN), 4)
    projection = grid_weights(rng, (HIDDEN, HIDDEN), 24)
    return word, token_type, projection


def graph(vocab_size, quantized):
    word, token_type, projection = weights(vocab_size)
    inputs = [
        helper.make_tensor_value_info(name, TensorProto.INT64, ["batch_size", "sequence_length"])
        for name in ("input_ids", "attention_mask", "token_type_ids")
    ]
    output = helper.make_tensor_value_info(
        "last_hidden_state", TensorProto.FLOAT, ["batch_size", "sequence_length", HIDDEN]
    )
    nodes = []
    initializers = [numpy_helper.from_array(token_type, "token_type_embeddings")]
    if quantized:
        initializers += [
            numpy_helper.from_array(np.array(1 / 128, dtype=np.float32), "scale"),
            numpy_helper.from_array(np.array(0, dtype=np.int8), "zero_point"),
        ]
        for name, values in (("word_embeddings", word), ("projection", projection)):
            as_int8 = np.rint(values * 128).astype(np.int8)
            initializers.append(numpy_helper.from_array(as_int8, f"{name}_q"))
            nodes.append(helper.make_node("DequantizeLinear", [f"{name}_q", "scale", "zero_point"], [name]))
    else:
        initializers += [
            numpy_helper.from_array(word, "word_embeddings"),
            numpy_helper.from_array(projection, "projection"),
        ]
    nodes += [
        helper.make_node("Gather", ["word_embeddings", "input_ids"], ["word_vectors"]),
        helper.make_node("Gather", ["token_type_embeddings", "token_type_ids"], ["type_vectors"]),
        helper.make_node("Add", ["word_vectors", "type_vectors"], ["summed"]),
        helper.make_node("MatMul", ["summed", "projection"], ["projected"]),
        helper.make_node("Tanh", ["projected"], ["last_hidden_state"]),
    ]
    # attention_mask is an input because transformers.js feeds it; pooling (in JavaScript) is what uses it.
    g = helper.make_graph(nodes, "tiny_embedder", inputs, [output], initializers)
    model = helper.make_model(
        g, producer_name="memory-r1-web/make-tiny-embedder", opset_imports=[helper.make_opsetid("", 13)]
    )
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def tokenizer_json(vocab):
    def added(token, index):
        return {
            "id": index,
            "content": token,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }

    def special_token(token):
        return {"id": token, "ids": [vocab[token]], "tokens": [token]}

    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(token, vocab[token]) for token in SPECIAL],
        "normalizer": {
            "type": "BertNormalizer",
            "clean_text": True,
            "handle_chinese_chars": True,
            "strip_accents": None,
            "lowercase": True,
        },
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 1}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 1}},
            ],
            "special_tokens": {"[CLS]": special_token("[CLS]"), "[SEP]": special_token("[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {
            "type": "WordPiece",
            "unk_token": "[UNK]",
            "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100,
            "vocab": vocab,
        },
    }


def write_json(path, data):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "src", "embed", "fixtures", "tiny-embedder")
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    vocab = vocabulary()
    write_json(
        os.path.join(out, "config.json"),
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "hidden_size": HIDDEN,
            "num_attention_heads": 1,
            "num_hidden_layers": 1,
            "intermediate_size": HIDDEN,
            "max_position_embeddings": 128,
            "type_vocab_size": 2,
            "vocab_size": len(vocab),
            "pad_token_id": 0,
        },
    )
    write_json(
        os.path.join(out, "tokenizer_config.json"),
        {
            "tokenizer_class": "BertTokenizer",
            "do_lower_case": True,
            "model_max_length": 128,
            "clean_up_tokenization_spaces": True,
            "cls_token": "[CLS]",
            "sep_token": "[SEP]",
            "pad_token": "[PAD]",
            "unk_token": "[UNK]",
            "mask_token": "[MASK]",
        },
    )
    write_json(os.path.join(out, "tokenizer.json"), tokenizer_json(vocab))
    for quantized, name in ((False, "model.onnx"), (True, "model_quantized.onnx")):
        with open(os.path.join(out, "onnx", name), "wb") as f:
            f.write(graph(len(vocab), quantized).SerializeToString())
    print(f"wrote {out}: {len(vocab)} tokens, {HIDDEN} dims")


if __name__ == "__main__":
    main()
