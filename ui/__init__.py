"""The chat UI (Gradio), mounted next to the HTTP API by `ui.server.build_app` (what `rag serve` runs)."""

import rag  # noqa: F401  (sets the offline environment, analytics off, before gradio is imported)
