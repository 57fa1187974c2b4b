"""The media graph library: the ffmpeg-python building blocks every render and tool shares.

- encode: `Encoding` (built from an export preset) and the one set of H.264/AAC output options;
- frame: `reframe`, any picture into a frame (blurred pad, crop or letterbox);
- pieces: `Piece` and `join`, the one concat graph (trim, frame, concat);
- mix: `voice_over`, a voice over the original sound (ducked, muted or kept).

Graphs are built here and in the modules that use them (render.py, editing.py, builders.py) and
run with library.media.ffmpeg.run.
"""
