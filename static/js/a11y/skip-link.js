// The "Skip to the plots" link (design.md §7). The page's hash holds the experiment (teach/share.js),
// so following `href="#plots"` would replace it: the link moves the focus itself instead.

/** Make every `a.skip-link` focus its target without touching the URL. */
export function wireSkipLinks() {
  for (const link of document.querySelectorAll("a.skip-link")) {
    link.addEventListener("click", (event) => {
      const target = document.getElementById(link.hash.slice(1));
      if (!target) return;
      event.preventDefault();
      target.focus(); // the target has tabindex="-1": the next Tab continues from there
      target.scrollIntoView({ block: "start" });
    });
  }
}
