"""Writes the two small tokenizers the tests use (run from this folder: python3 generate.py).

byte-bpe/:      GPT-2 / Qwen style byte-level BPE, ChatML special tokens, the Qwen1.5 chat template.
sentencepiece/: Llama / Mistral style BPE over U+2581 word boundaries with <0xNN> byte fallback,
                <s> prepended by the post-processor, the Mixtral-Instruct chat template.
"""
import json
import os

QWEN_CHATML = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

MIXTRAL_INSTRUCT = """{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}

{{- bos_token }}
{%- for message in loop_messages %}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}
    {%- endif %}
    {%- if message['role'] == 'user' %}
        {%- if loop.first and system_message is defined %}
            {{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' }}
        {%- else %}
            {{- ' [INST] ' + message['content'] + ' [/INST]' }}
        {%- endif %}
    {%- elif message['role'] == 'assistant' %}
        {{- ' ' + message['content'] + eos_token}}
    {%- else %}
        {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}
    {%- endif %}
{%- endfor %}
"""


def added(token_id, content):
    return {"id": token_id, "content": content, "single_word": False, "lstrip": False,
            "rstrip": False, "normalized": False, "special": True}


def bpe(vocab, merges, **extra):
    model = {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
             "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
             "ignore_merges": False, "vocab": vocab, "merges": merges}
    model.update(extra)
    return model


def with_merges(vocab, merges):
    for merge in merges:
        left, right = merge.split(" ")
        assert left in vocab and right in vocab, merge
        vocab.setdefault(left + right, len(vocab))
    return vocab


def gpt2_byte_alphabet():
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
                 + list(range(ord("®"), ord("ÿ") + 1)))
    chars = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in chars:
            chars[b] = chr(256 + extra)
            extra += 1
    return [chars[b] for b in range(256)]


def byte_bpe():
    vocab = {c: i for i, c in enumerate(gpt2_byte_alphabet())}
    merges = ["h e", "l l", "o r", "Ġ t", "Ġt he", "Ġ w", "Ġw or", "l d", "Ġwor ld", "he ll",
              "hell o", "H e", "He ll", "Hell o", "i n", "Ġ a", "Ã ¤", "Ċ Ċ"]
    with_merges(vocab, merges)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    byte_level = {"add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    tokenizer = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [added(len(vocab) + i, s) for i, s in enumerate(specials)],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", **byte_level},
        "post_processor": {"type": "ByteLevel", **byte_level},
        "decoder": {"type": "ByteLevel", **byte_level},
        "model": bpe(vocab, merges),
    }
    config = {"bos_token": None, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
              "model_max_length": 32768, "chat_template": QWEN_CHATML}
    ids = {s: len(vocab) + i for i, s in enumerate(specials)}
    generation = {"eos_token_id": [ids["<|im_end|>"], ids["<|endoftext|>"]],
                  "pad_token_id": ids["<|endoftext|>"]}
    return tokenizer, config, generation


def sentencepiece():
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab["<0x%02X>" % b] = len(vocab)
    for c in "▁abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'-:[]/":
        vocab[c] = len(vocab)
    merges = ["▁ t", "h e", "▁t he", "▁ w", "o r", "▁w or", "l d", "▁wor ld", "l l", "H e",
              "He ll", "Hell o", "▁ Hello", "i n", "▁ a", "I N", "S T", "IN ST"]
    with_merges(vocab, merges)
    tokenizer = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [added(i, s) for i, s in enumerate(["<unk>", "<s>", "</s>"])],
        "normalizer": None,
        "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first",
                          "split": False},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "<s>", "type_id": 1}},
                     {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}},
        },
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
            {"type": "ByteFallback"},
            {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0},
        ]},
        "model": bpe(vocab, merges, unk_token="<unk>", fuse_unk=True, byte_fallback=True),
    }
    config = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
              "add_bos_token": True, "model_max_length": 16, "chat_template": MIXTRAL_INSTRUCT}
    generation = {"bos_token_id": 1, "eos_token_id": 2}
    return tokenizer, config, generation


def write(folder, parts):
    os.makedirs(folder, exist_ok=True)
    for name, content in zip(["tokenizer.json", "tokenizer_config.json", "generation_config.json"], parts):
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            json.dump(content, f, ensure_ascii=False, indent=1)
            f.write("\n")


write("byte-bpe", byte_bpe())
write("sentencepiece", sentencepiece())
