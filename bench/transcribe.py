"""Local transcription speed and memory: the default model (EDITAI_WHISPER_MODEL, unset: the
bundled tiny.en) on about a minute of real speech (espeak-ng, two voices and two speeds, with
pauses) over Chaplin's piano music, through the product's own provider (decode, VAD, Whisper,
word snapping), on EDITAI_WHISPER_THREADS threads (2 by default; the machine's 2 cores).

    .venv/bin/python bench/transcribe.py [--runs 5] [--seconds 60]

Every run is a fresh child process (the model loaded anew, as a worker does on its first
transcription), so peak memory is the child's own (wait4). Speed is seconds of audio per second
of wall time, without and with the model load. Target: at least 10x real time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from setup import ROOT, table

TEXT = [
    "Meet the new travel mug from Zenbrew.",
    "It keeps your coffee hot for twelve hours and your water cold all day.",
    "The lid is easy to clean and never leaks in your bag.",
    "Order yours today and save twenty percent on your first purchase.",
    "Our customers love the matte finish and the soft grip.",
    "Every mug ships free and comes with a two year warranty.",
]
VOICES = [("en-us", 150), ("en-gb", 180), ("en-us", 190), ("en-gb", 140)]
TARGET = 10.0


def make_speech(folder: Path, seconds: float) -> tuple[Path, str]:
    """About `seconds` of sentences, 0.7 s apart, over the footage's music at -20 dB (16 kHz WAV)."""
    folder.mkdir(parents=True, exist_ok=True)
    wav, parts, spoken = folder / f"speech-{seconds:g}s.wav", [], []
    total, index = 0.0, 0
    while total < seconds:
        voice, speed = VOICES[index % len(VOICES)]
        text = TEXT[index % len(TEXT)]
        part = folder / f"part-{index}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(part), text], check=True)
        parts.append(part)
        spoken.append(text)
        probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                                str(part)], capture_output=True, check=True, text=True)  # fmt: skip
        total += float(probe.stdout) + 0.7
        index += 1
    inputs = [arg for p in parts for arg in ("-i", str(p))]
    chain = "".join(f"[{i}:a]aresample=16000,apad=pad_dur=0.7[s{i}];" for i in range(len(parts)))
    chain += "".join(f"[s{i}]" for i in range(len(parts))) + f"concat=n={len(parts)}:v=0:a=1[speech];"
    music = Path(os.environ.get("EDITAI_SAMPLE_MEDIA") or ROOT.parent / "shared" / "media") / "chaplin.mp4"
    chain += f"[{len(parts)}:a]aresample=16000,volume=-20dB[music];[speech][music]amix=inputs=2:normalize=0[out]"
    subprocess.run(["ffmpeg", "-v", "error", "-y", *inputs, "-stream_loop", "-1", "-i", str(music),
                    "-filter_complex", chain, "-map", "[out]", "-t", f"{total:.2f}", "-ac", "1", "-ar", "16000",
                    str(wav)], check=True)  # fmt: skip
    for part in parts:
        part.unlink()
    return wav, " ".join(spoken)


def child(wav: Path) -> None:
    """One run: load the model, transcribe, print what it took (JSON)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editai.settings")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import django

    django.setup()  # settings only: nothing here touches the database
    from library.media.probe import probe
    from library.providers.stt import local

    duration = probe(wav).duration
    started = time.perf_counter()
    local.load_model()
    loaded, cpu = time.perf_counter(), time.process_time()
    heard = local.LocalSTTProvider().transcribe(audio=wav, duration=duration)
    done = time.perf_counter()
    print(json.dumps({
        "audio": duration, "load": loaded - started, "transcribe": done - loaded, "model": heard.model,
        "cpu": time.process_time() - cpu,
        "text": " ".join(w.text for w in heard.words),
    }))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--child", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("EDITAI_SAMPLE_MEDIA", str(ROOT.parent / "shared" / "media"))
    from tests.speech_media import word_error_rate

    wav, text = make_speech(ROOT / ".var" / "bench" / "transcribe", args.seconds)
    runs = []
    for _ in range(args.runs):
        process = subprocess.Popen([sys.executable, __file__, "--child", str(wav)], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True)  # fmt: skip
        assert process.stdout is not None
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        if status != 0:
            sys.exit(f"a run failed (status {status})")
        run = json.loads(output.strip().splitlines()[-1])
        run["peak_mb"] = usage.ru_maxrss / 1024  # kB on Linux
        runs.append(run)

    audio = runs[0]["audio"]
    speed = [audio / r["transcribe"] for r in runs]
    with_load = [audio / (r["transcribe"] + r["load"]) for r in runs]
    peaks = [r["peak_mb"] for r in runs]
    wer = word_error_rate(text, runs[0]["text"])
    print(f"\nlocal transcription, model {runs[0]['model']}, {audio:.1f} s of speech over music, {args.runs} runs, "
          f"{os.environ.get('EDITAI_WHISPER_THREADS', '2')} threads, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}")  # fmt: skip
    print(table(["measure", "median", "min-max"], [
        ["speed (audio s / wall s)", f"{statistics.median(speed):.1f}x", f"{min(speed):.1f}x-{max(speed):.1f}x"],
        ["speed with model load", f"{statistics.median(with_load):.1f}x",
         f"{min(with_load):.1f}x-{max(with_load):.1f}x"],
        ["transcribe wall s", f"{statistics.median(r['transcribe'] for r in runs):.2f}",
         f"{min(r['transcribe'] for r in runs):.2f}-{max(r['transcribe'] for r in runs):.2f}"],
        ["transcribe CPU s (all threads)", f"{statistics.median(r['cpu'] for r in runs):.2f}",
         f"{min(r['cpu'] for r in runs):.2f}-{max(r['cpu'] for r in runs):.2f}"],
        ["model load s", f"{statistics.median(r['load'] for r in runs):.2f}",
         f"{min(r['load'] for r in runs):.2f}-{max(r['load'] for r in runs):.2f}"],
        ["peak memory MB", f"{statistics.median(peaks):.0f}", f"{min(peaks):.0f}-{max(peaks):.0f}"],
    ]))  # fmt: skip
    print(f"WER of the first run: {wer:.1%}")
    # On a busy machine wall time measures the neighbours; CPU time spread over the threads does not.
    idle = [audio / (r["cpu"] / max(int(os.environ.get("EDITAI_WHISPER_THREADS", "2")), 1)) for r in runs]
    print(
        f"speed from CPU time on idle cores (audio s / (CPU s / threads)): median {statistics.median(idle):.1f}x, "
        f"{min(idle):.1f}x-{max(idle):.1f}x"
    )
    verdict = "met" if statistics.median(speed) >= TARGET else "NOT met"
    print(f"target: at least {TARGET:g}x real time: {verdict} (median {statistics.median(speed):.1f}x)")


if __name__ == "__main__":
    main()
