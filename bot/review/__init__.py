"""Provide the review page (``bot serve``) and the post cards it shares with
``bot preview --format html``: threads shown as the platforms will show them."""
