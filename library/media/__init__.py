"""The media layer: every ffmpeg/ffprobe call goes through here (library.media.ffmpeg.run)."""
