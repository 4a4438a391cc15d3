"""Calls from the recording: audio analytics, speech recognition as a plug-in,
folder watching, retention and "forget this customer" (docs/speech.md)."""
