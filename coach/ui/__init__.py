"""The Gradio web UI: ``build_ui(coach, settings) -> gr.Blocks``, with thin handlers per tab."""
