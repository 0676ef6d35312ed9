"""What a person does with a trained agent: watch it (``watch.py``), record it (``video.py``), play
pong against it (``human.py``), export it to ONNX (``onnx_export.py``); and value iteration for
the cliff's Q* (``planning.py``). ``display.py`` says whether a window can open."""
