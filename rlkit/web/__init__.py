"""Pong in the browser: a person plays a trained agent whose policy runs in the page with ONNX
Runtime Web (``python -m rlkit.web run=<pong run>``).

``static/`` holds the page: ``pong.mjs`` (rlkit's pong, rule for rule, with NumPy's random stream
from ``rng.mjs``), ``observations.mjs`` (frame stacking, the graph's input shape), ``policy.mjs``
(the ONNX Runtime Web session), ``match.mjs`` (a game of the agent against a person or the
scripted player, a frame or a step at a time), ``app.mjs`` and ``index.html`` (drawing, keys,
touch, the 60 Hz loop).
``site.py`` assembles a run's page as a folder, ``server.py`` serves it on 127.0.0.1.
"""
