"""The staff workspace's pages, one module per area: signing in and the unit a person acts
for (`signin`), the inbox (`inbox`), registering (`register`), a transaction's page and its
files (`transaction`, `files`), and the steps taken on it (`steps`).

Each view is thin: the page guard (`workspace.staff_page`) has already checked who is asking;
the view parses what was sent, calls one registry service or query, and renders. Every form
acts once, through `web.once`."""
