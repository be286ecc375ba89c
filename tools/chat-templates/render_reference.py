"""Renders every chat template fixture with transformers' own apply_chat_template.

    /tmp/hfenv/bin/python tools/chat-templates/render_reference.py

Reads dualsparse-translator/src/test/resources/chat-templates/templates.json (each template file
with the special tokens its model's tokenizer_config.json defines), renders each conversation below
with add_generation_prompt on and off through a PreTrainedTokenizerFast built offline around a
one-word vocabulary, and writes renderings.json beside it: the expected text, or the message of the
exception the template raised. ChatTemplateRenderingTest compares our renderer with it byte for byte.
"""

import json
import pathlib
import sys

import jinja2
import tokenizers
import transformers
from tokenizers.models import WordLevel
from transformers import PreTrainedTokenizerFast

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "dualsparse-translator/src/test/resources/chat-templates"

CONVERSATIONS = {
    "user": [
        {"role": "user", "content": "Hello, who are you?"},
    ],
    "system-user": [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "Name three primes."},
    ],
    "user-assistant-user": [
        {"role": "user", "content": "Name three primes."},
        {"role": "assistant", "content": "2, 3 and 5."},
        {"role": "user", "content": "Grüße, 世界! And two more?"},
    ],
    "system-user-assistant-user": [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "Name three primes."},
        {"role": "assistant", "content": "2, 3 and 5."},
        {"role": "user", "content": "And two more?"},
    ],
    "user-assistant": [
        {"role": "user", "content": "  Spaces around  "},
        {"role": "assistant", "content": "\nKept as they are.\n"},
    ],
    "reasoning-assistant": [
        {"role": "user", "content": "What is 2 + 3?"},
        {"role": "assistant", "content": "<think>\nTwo plus three.\n\n</think>\n\n5"},
        {"role": "user", "content": "And 5 + 8?"},
        {"role": "assistant", "content": "<think>\nFive plus eight.\n</think>\n13"},
    ],
    "template-syntax-in-content": [
        {"role": "system", "content": "Quote {{ bos_token }} and {% if true %}this{% endif %} as text."},
        {"role": "user", "content": "What is {{ 7 * 7 }}? {# not a comment #}"},
    ],
    "user-user": [
        {"role": "user", "content": "First."},
        {"role": "user", "content": "Second, without an answer between."},
    ],
}


def tokenizer_for(special: dict) -> PreTrainedTokenizerFast:
    tokens = [t for t in special.values() if t is not None]
    vocab = {"[UNK]": 0, **{t: i + 1 for i, t in enumerate(dict.fromkeys(tokens))}}
    backend = tokenizers.Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", **special)


def render(tokenizer, template, messages, add_generation_prompt):
    try:
        text = tokenizer.apply_chat_template(
            messages, chat_template=template, tokenize=False, add_generation_prompt=add_generation_prompt)
        return {"expected": text}
    except jinja2.exceptions.TemplateError as e:
        return {"error": str(e)}


def main() -> int:
    templates = json.loads((FIXTURES / "templates.json").read_text(encoding="utf-8"))
    cases = []
    for name, spec in templates.items():
        template = (FIXTURES / spec["file"]).read_text(encoding="utf-8")
        tokenizer = tokenizer_for(spec["special_tokens"])
        for conversation, messages in CONVERSATIONS.items():
            for add_generation_prompt in (False, True):
                case = {"template": name, "conversation": conversation,
                        "add_generation_prompt": add_generation_prompt, "messages": messages}
                case.update(render(tokenizer, template, messages, add_generation_prompt))
                cases.append(case)
    out = {"made_by": {"transformers": transformers.__version__, "jinja2": jinja2.__version__,
                       "tokenizers": tokenizers.__version__},
           "cases": cases}
    (FIXTURES / "renderings.json").write_text(
        json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    errors = sum(1 for c in cases if "error" in c)
    print(f"{len(cases)} renderings, {errors} of them raised", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
