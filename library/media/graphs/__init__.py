"""The media graph library: the ffmpeg-python building blocks every render and tool shares.

- encode: `Encoding` (built from an export preset) and the one set of H.264/AAC output options;
- frame: `reframe`, any picture into a frame (blurred pad, crop or letterbox);
- follow: `Window`, a crop that follows a subject over time (layouts track and split);
- pieces: `Piece` and `join`, the one concat graph (trim, frame, concat);
- mix: `voice_over`, a voice over the original sound (ducked, muted or kept) and a music bed
  (`music_bed`: looped or cut to the clip, faded, ducked under the voice).

Graphs are built here and in the modules that use them (render.py, editing.py, builders.py) and
run with library.media.ffmpeg.run.
"""
