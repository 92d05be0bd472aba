"""The web app's accessible look: a Gradio theme, the page's CSS and a small script.

WCAG 2.2 AA (docs/administrators/accessibility.md): text 4.5:1 against its background, large
text and the edges of controls 3:1, a visible focus outline on everything that takes focus,
and a page that reflows at 320 CSS pixels (and at 200% zoom) without sideways scrolling. The
theme is Gradio's Soft with blue, its light shades swapped for darker ones wherever text or a
control sits on them (Soft's own primary text is blue-500 on blue-100, 3.0:1). The browser
suite checks every tab with axe-core (tests/test_ui_a11y.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gradio as gr

# the blue of focus outlines, links and citation markers (blue-700: 6.7:1 on white)
FOCUS = "#1d4ed8"
FOCUS_DARK = "#93c5fd"  # blue-300 on the dark theme's near-black: 10:1


def accessible_theme() -> gr.themes.Base:
    """Gradio's Soft theme with every text and control colour at AA contrast, both modes."""
    import gradio as gr

    return gr.themes.Soft(primary_hue="blue", secondary_hue="blue", neutral_hue="gray").set(
        # labels of fields and panels: blue-800 on blue-100 (7.2:1; Soft has blue-500, 3.0:1)
        block_label_text_color="*primary_800", block_title_text_color="*primary_800",
        block_label_text_color_dark="white", block_title_text_color_dark="white",
        block_label_background_fill_dark="*primary_700",
        # primary buttons: white on blue-700 (6.7:1; Soft's blue-500 is 3.7:1)
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_border_color="*primary_700",
        button_primary_border_color_hover="*primary_800",
        button_primary_background_fill_dark="*primary_700",
        button_primary_background_fill_hover_dark="*primary_800",
        button_primary_border_color_dark="*primary_700",
        # inputs, buttons and choices get an edge a person can see (3:1 for controls; Soft
        # draws none, only a faint shadow)
        input_border_width="1px",
        button_secondary_border_color="*neutral_500",
        button_secondary_border_color_hover="*neutral_600",
        input_border_color="*neutral_500", input_border_color_hover="*neutral_600",
        input_border_color_focus="*primary_700",
        input_border_color_dark="*neutral_400", input_border_color_focus_dark="*primary_300",
        checkbox_border_color="*neutral_500", checkbox_border_color_dark="*neutral_400",
        checkbox_border_color_focus="*primary_700",
        checkbox_background_color_selected="*primary_700",
        checkbox_border_color_selected="*primary_700",
        checkbox_label_background_fill_selected="*primary_700",
        checkbox_label_background_fill_selected_dark="*primary_700",
        checkbox_label_text_color_selected_dark="white",
        # secondary text (hints, the footer, "- or -") and placeholders
        body_text_color_subdued="*neutral_600", body_text_color_subdued_dark="*neutral_300",
        block_info_text_color="*neutral_600", block_info_text_color_dark="*neutral_300",
        input_placeholder_color="*neutral_500", input_placeholder_color_dark="*neutral_400",
        color_accent="*primary_700", color_accent_soft="*primary_50",
        link_text_color="*primary_700", link_text_color_hover="*primary_800",
        link_text_color_visited="*primary_800", link_text_color_active="*primary_800",
        link_text_color_dark="*primary_300", link_text_color_hover_dark="*primary_200",
        link_text_color_visited_dark="*primary_300", link_text_color_active_dark="*primary_200",
        slider_color="*primary_700", loader_color="*primary_700",
    )


CSS = f"""
.gradio-container {{ max-width: 1280px !important; margin: 0 auto; }}
#app-header h1 {{ margin: 0 0 .2rem 0; font-size: 1.6rem; }}
#app-header p {{ margin: 0; }}
#app-header .open-access {{ margin-top: .3rem; font-weight: 600; color: #8a3b00; }}
.dark #app-header .open-access {{ color: #fdba74; }}

/* visually hidden, still read by screen readers */
.sr-only {{ position: absolute !important; width: 1px !important; height: 1px !important;
  padding: 0 !important; margin: -1px !important; overflow: hidden !important;
  clip: rect(0 0 0 0) !important; white-space: nowrap !important; border: 0 !important;
  min-width: 0 !important; }}

/* a focus outline on everything that takes focus, whatever Gradio's own styles say */
:focus-visible, .gradio-container :focus-visible, details.source-card summary:focus-visible,
details.more summary:focus-visible {{
  outline: 3px solid {FOCUS} !important; outline-offset: 2px !important; }}
.dark :focus-visible, .dark .gradio-container :focus-visible {{
  outline-color: {FOCUS_DARK} !important; }}
.gradio-container input[type=checkbox]:focus-visible,
.gradio-container input[type=radio]:focus-visible {{ outline-offset: 1px !important; }}

/* Gradio draws chat messages at 80% opacity, which takes text below 4.5:1 */
.gradio-container .chatbot.prose {{ opacity: 1 !important; }}
/* its icon buttons (copy, clear, full screen, download) get a 24 px target (WCAG 2.5.8) */
.gradio-container button.icon-button {{ min-width: 24px; min-height: 24px; }}
/* a download link wraps its own icon button: the link takes the click, so axe (and a
   pointer) sees one 24 px target, not a button covering a link */
.gradio-container a.download-link > button {{ pointer-events: none; }}

.cite {{ font-size: .8em; font-weight: 600; color: {FOCUS}; white-space: nowrap; }}
.dark .cite {{ color: {FOCUS_DARK}; }}
.unsupported {{ background: #fff4d6; border-bottom: 2px dotted #8a5a00; color: #5c3d00; }}
.warning, .refused, .notice, .error {{ border-radius: 6px; padding: .45rem .7rem;
  margin: .3rem 0; }}
.warning {{ background: #fff4d6; color: #5c3d00; border-left: 4px solid #b7791f; }}
.refused {{ background: #e8f0fe; color: #1a3d7c; border-left: 4px solid #3b6fd8; }}
.notice {{ background: #eef6ee; color: #1e4620; border-left: 4px solid #3c8d40; }}
.error {{ background: #fdecea; color: #7a1c12; border-left: 4px solid #c0392b; }}
details.more {{ margin: .5rem 0; border-left: 3px solid var(--neutral-500); padding-left: .6rem; }}
details.more summary {{ cursor: pointer; font-weight: 600; }}
.related {{ margin-top: .5rem; font-size: .95em; }}
.related ul {{ margin: .2rem 0 0 1.2rem; }}
.sources {{ margin-top: .6rem; border-top: 1px solid var(--border-color-primary); }}
.sources-head {{ font-size: .85em; margin: .4rem 0; color: var(--body-text-color-subdued); }}
details.source-card {{ border: 1px solid var(--neutral-500); border-radius: 6px;
  margin: .3rem 0; padding: .3rem .6rem; background: var(--background-fill-secondary); }}
details.source-card summary {{ cursor: pointer; }}
.source-card .where, .source-card .origin {{ font-size: .9em;
  color: var(--body-text-color-subdued); }}
.source-card .relevance, .source-card .kind {{ font-size: .8em; border-radius: 9px;
  padding: 0 .45rem; margin-left: .3rem; border: 1px solid var(--neutral-500); }}
/* the link that opens the cited document (coach/library/opening.py) */
.source-card a.open-source {{ font-weight: 600; text-decoration: underline; }}
.source-card .passage {{ margin: .5rem 0; line-height: 1.5; font-size: .92em; }}
/* the words the answer relies on: a background and an underline (never colour alone) */
.source-card mark {{ background: #fde68a; color: #1f2937; padding: 0 1px;
  text-decoration: underline 2px #8a5a00; text-underline-offset: 3px; }}
#library-table table {{ font-family: var(--font); }}
/* a tab's download links (coach/ui/downloads.py), below the block's label */
.gradio-container .downloads ul.downloads {{ margin: 2.1rem 0 .2rem 1.2rem; padding: 0;
  overflow-wrap: anywhere; }}
.gradio-container .downloads ul.downloads li {{ margin: .25rem 0; }}
/* each link a 24 px target at least, with space around it (WCAG 2.5.8) */
.gradio-container .downloads ul.downloads a {{ display: inline-block; min-height: 28px;
  padding: 3px 0; line-height: 22px; }}

/* the Coach tab: the journey's stepper (coach/ui/journey_render.py). Each step says its state
   and ticks in words; the marks and bars repeat them, so colour is never the only cue */
.stepper {{ margin: .2rem 0 .4rem 0; }}
.stepper .overall {{ display: flex; flex-wrap: wrap; align-items: center; gap: .3rem .6rem;
  margin: 0 0 .5rem 0; font-weight: 600; }}
.stepper .overall .bar {{ flex: 0 0 9rem; }}
.stepper .overall .sentence {{ flex: 1 1 14rem; }}
.stepper .steps {{ list-style: none; margin: 0; padding: 0; display: grid; gap: .5rem;
  grid-template-columns: repeat(auto-fit, minmax(9.5rem, 1fr)); }}
.stepper .step {{ display: flex; gap: .5rem; align-items: flex-start; margin: 0;
  padding: .5rem .55rem; border: 1px solid var(--neutral-400); border-radius: 8px;
  background: var(--background-fill-primary); }}
.stepper .step.current {{ border: 3px solid {FOCUS}; padding: calc(.5rem - 2px) calc(.55rem - 2px);
  background: var(--background-fill-secondary); }}
.dark .stepper .step.current {{ border-color: {FOCUS_DARK}; }}
.stepper .dot {{ flex: 0 0 1.9rem; height: 1.9rem; border-radius: 50%; display: flex;
  align-items: center; justify-content: center; font-weight: 700;
  border: 2px solid var(--neutral-500); color: var(--body-text-color); }}
.stepper .done .dot, .stepper .in-place .dot {{ background: #1e6b2e; border-color: #1e6b2e;
  color: #fff; }}
.stepper .in-progress .dot {{ border-color: {FOCUS}; color: {FOCUS}; border-width: 3px; }}
.dark .stepper .in-progress .dot {{ border-color: {FOCUS_DARK}; color: {FOCUS_DARK}; }}
.stepper .body {{ display: flex; flex-direction: column; gap: .15rem; min-width: 0;
  font-size: .9rem; line-height: 1.3; }}
.stepper .title {{ font-weight: 600; overflow-wrap: anywhere; }}
.stepper .state {{ font-size: .85rem; }}
.stepper .done .state, .stepper .in-place .state {{ color: #1e6b2e; font-weight: 600; }}
.dark .stepper .done .state, .dark .stepper .in-place .state {{ color: #86efac; }}
.stepper .in-progress .state {{ color: {FOCUS}; font-weight: 600; }}
.dark .stepper .in-progress .state {{ color: {FOCUS_DARK}; }}
.stepper .ticks {{ display: flex; flex-direction: column; gap: .15rem; font-size: .82rem;
  color: var(--body-text-color-subdued); }}
.stepper .here {{ align-self: flex-start; font-size: .78rem; font-weight: 700; color: #fff;
  background: {FOCUS}; border-radius: 9px; padding: 0 .45rem; margin-top: .1rem; }}
.dark .stepper .here {{ color: #0b1120; background: {FOCUS_DARK}; }}
.stepper .bar {{ display: block; height: .4rem; border-radius: 3px; overflow: hidden;
  background: var(--neutral-200); border: 1px solid var(--neutral-500); }}
.stepper .bar > span {{ display: block; height: 100%; background: #1e6b2e; }}
.dark .stepper .bar {{ background: var(--neutral-700); }}
.dark .stepper .bar > span {{ background: #86efac; }}
/* the step page's folded parts, and the projects beside the journey */
#coach-step details.step-part {{ margin: .4rem 0; border-left: 3px solid var(--neutral-500);
  padding-left: .6rem; }}
#coach-step details.step-part summary {{ cursor: pointer; font-weight: 600; }}
.projects h3 {{ margin: 0 0 .4rem 0; font-size: 1.05rem; }}
.projects ul {{ list-style: none; margin: 0; padding: 0; }}
.projects li {{ display: flex; flex-direction: column; padding: .4rem 0;
  border-bottom: 1px solid var(--border-color-primary); }}
.projects li .title {{ font-weight: 600; overflow-wrap: anywhere; }}
.projects li .score, .projects li .cycles {{ font-size: .88rem; }}

/* reflow: at 320 CSS px (or 1280 px at 400% zoom) columns stack and nothing scrolls sideways */
@media (max-width: 640px) {{
  .gradio-container {{ padding: 0 .4rem !important; }}
  .gradio-container .row {{ flex-wrap: wrap !important; }}
  .gradio-container .row > *, .gradio-container .column {{ min-width: 0 !important;
    flex-basis: 100% !important; }}
  .gradio-container pre {{ white-space: pre-wrap; overflow-wrap: anywhere; }}
  .gradio-container table {{ display: block; overflow-x: auto; }}
}}
.gradio-container .prose, .gradio-container .message {{ overflow-wrap: anywhere; }}
"""

# Gradio draws some of its own parts in ways assistive technology trips over; this script,
# run on every page, fixes them where they appear:
# - the Ask tab's chat log is not a live region of its own (it would read each streamed
#   fragment and every source passage); the answer is announced once, complete, by the
#   live region below it (#ask-announce);
# - elements marked .coach-live are polite live regions (role=status) from the moment they
#   appear, so content the server puts in them later is read out;
# - the "empty value" placeholder of an empty image, file or plot carries an aria-label on a
#   plain div, which ARIA does not allow: it becomes an image with that name;
# - each chat message is a plain div whose aria-label holds the message's whole source,
#   markup included ("bot's message: **Coaching guidance** … <span class=…"), which Chromium
#   gives it as a name: the label goes, and the message is read as the text it shows;
# - a radio or checkbox group is a fieldset whose label is a plain span, so the group has no
#   name: a self-assessment choice would be read as "0 Not in place, radio button" without
#   its statement. The span names the group (aria-labelledby). Each box of a checkbox group
#   also carries its value as a title (a checklist item's id, "readiness-tool-chosen"), read
#   as its description and shown as a tooltip: it goes;
# - a section that opens and closes (gr.Accordion) is a button that does not say whether it is
#   open: it gets aria-expanded, kept in step with Gradio's "open" class.
HEAD = """
<script>
(() => {
  let queued = false, labels = 0;
  const fix = () => {
    queued = false;
    document.querySelectorAll('#chat [role=log][aria-live]').forEach(
      (e) => e.setAttribute('aria-live', 'off'));
    document.querySelectorAll('.coach-live:not([aria-live])').forEach((e) => {
      e.setAttribute('role', 'status');
      e.setAttribute('aria-live', 'polite');
    });
    document.querySelectorAll('div.empty[aria-label]:not([role])').forEach(
      (e) => e.setAttribute('role', 'img'));
    document.querySelectorAll('[data-testid=bot][aria-label], [data-testid=user][aria-label]')
      .forEach((e) => e.removeAttribute('aria-label'));
    document.querySelectorAll('fieldset').forEach((group) => {
      const label = group.querySelector(':scope > [data-testid=block-info]');
      const named = group.getAttribute('aria-labelledby');
      if (!label || group.querySelector(':scope > legend')
          || (named && document.getElementById(named))) return;
      label.id = label.id || `coach-group-label-${++labels}`;
      group.setAttribute('aria-labelledby', label.id);
    });
    document.querySelectorAll('[data-testid=checkbox-group] input[title]').forEach(
      (e) => e.removeAttribute('title'));
    document.querySelectorAll('.gr-accordion > button.label-wrap').forEach((e) => {
      const open = String(e.classList.contains('open'));
      if (e.getAttribute('aria-expanded') !== open) e.setAttribute('aria-expanded', open);
    });
  };
  const later = () => { if (!queued) { queued = true; requestAnimationFrame(fix); } };
  new MutationObserver(later).observe(document.documentElement, {
    childList: true, subtree: true, attributes: true,
    attributeFilter: ['aria-label', 'aria-live', 'title', 'class'] });
  later();
})();
</script>
"""
