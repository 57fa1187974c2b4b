"""Speak with libespeak-ng and report where each word starts. Run as a script, never imported.

espeak-ng's command line writes audio only; its library also reports word events (character
offset, milliseconds), which give real word timings instead of estimates. The library keeps
global state and runs native code, so it runs here, in a child process with nothing but the
standard library: a crash or a hang costs one child, never the worker.

stdin: {"text", "voice", "rate", "pitch", "wav", "library"}; stdout: {"sample_rate", "events":
[[offset, ms], ...]}. Exit 2: the library cannot be loaded; 3: unknown voice; 4: synthesis failed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import sys
import wave
from typing import Any

AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000
CHARS_UTF8 = 1
EVENT_LIST_TERMINATED, EVENT_WORD = 0, 1
PARAMETER_RATE, PARAMETER_PITCH = 1, 3


class Event(ctypes.Structure):
    # espeak_EVENT from speak_lib.h
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),  # characters from the start of the text, from 1
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # ms into the audio
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(Event))


def fail(code: int, message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.exit(code)


def main() -> None:
    request = json.load(sys.stdin)
    name = request.get("library") or ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        fail(2, f"cannot load {name}: {exc}")
    sample_rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, None, INITIALIZE_DONT_EXIT)
    if sample_rate <= 0:
        fail(2, "espeak-ng could not initialise (is its data installed?)")
    if lib.espeak_SetVoiceByName(request["voice"].encode()) != 0:
        fail(3, f"unknown voice {request['voice']!r}")
    lib.espeak_SetParameter(PARAMETER_RATE, int(request["rate"]), 0)
    lib.espeak_SetParameter(PARAMETER_PITCH, int(request["pitch"]), 0)
    events: list[list[int]] = []
    with wave.open(request["wav"], "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)

        def on_audio(samples: Any, count: int, event: Any) -> int:
            if samples and count > 0:
                out.writeframes(ctypes.string_at(samples, count * 2))
            index = 0
            while event[index].type != EVENT_LIST_TERMINATED:
                if event[index].type == EVENT_WORD:
                    events.append([event[index].text_position - 1, event[index].audio_position])
                index += 1
            return 0

        callback = Callback(on_audio)  # kept referenced until synthesis ends
        lib.espeak_SetSynthCallback(callback)
        text = request["text"].encode() + b"\0"
        if lib.espeak_Synth(text, len(text), 0, 1, 0, CHARS_UTF8, None, None) != 0:
            fail(4, "espeak-ng refused the text")
        lib.espeak_Synchronize()
    json.dump({"sample_rate": sample_rate, "events": events}, sys.stdout)


if __name__ == "__main__":
    main()
