"""Adapters for external (and local) AI providers: analysis, TTS. One package per kind."""
