"""The interactive page (explore.py): every run it shows, and the one HTML file it is.

runs.py trains each optimizer in both orders with numpy_ref and keeps, for
every iteration, the weights, the loss and the gradients; page.py packs them
into page.html with its script (page.js) and styles (page.css), all inline;
browser.py opens the page in headless Chromium (the tests, the screenshot).
"""
