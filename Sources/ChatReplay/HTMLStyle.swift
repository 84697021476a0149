/// The transcript page's inline style sheet: light by default, dark when the reader's system
/// prefers it; long unbroken text wraps instead of overflowing.
enum HTMLStyle {
    static var sheet: String {
        let backgrounds = HTMLNameColors.backgrounds
        return """
            :root { color-scheme: light dark; --fg: #1f2328; --bg: \(backgrounds.light); --muted: #59636e; \
            --rule: #d1d9e0; --link: #0550ae; --warn: #9a3412; }
            \(HTMLNameColors.rules(dark: false))
            @media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: \(backgrounds.dark); \
            --muted: #9198a1; --rule: #3d444d; --link: #79b8ff; --warn: #f0883e; } \(HTMLNameColors.rules(dark: true)) }
            body { font: 15px/1.5 system-ui, sans-serif; max-width: 50em; margin: 2em auto; padding: 0 1em; \
            color: var(--fg); background: var(--bg); }
            h1 { font-size: 1.4em; } h2 { font-size: 1em; color: var(--muted); border-bottom: 1px solid var(--rule); \
            margin-top: 1.5em; }
            p { margin: 0.15em 0; overflow-wrap: anywhere; }
            time { color: var(--muted); font-family: ui-monospace, monospace; font-size: 0.9em; font-style: normal; }
            a { color: var(--link); }
            .user { font-weight: 600; } .join, .leave, .action { color: var(--muted); font-style: italic; }
            .room { color: var(--muted); font-family: ui-monospace, monospace; font-size: 0.9em; }
            .private { border-left: 3px dotted var(--rule); padding-left: 0.4em; }
            .session { margin: 0.8em 0; padding: 0.2em 0.6em; border-left: 3px solid var(--rule); color: var(--muted); }
            .session.unclean { border-left-color: var(--warn); color: var(--warn); }
            footer { margin-top: 2em; color: var(--muted); font-size: 0.9em; }
            """
    }
}
