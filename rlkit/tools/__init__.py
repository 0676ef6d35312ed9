"""What a person does with a trained agent: watch it (``watch.py``), record it (``video.py``), play
pong against it (``human.py``), export it to ONNX (``onnx_export.py``), and the cliff's Q-table
report and value iteration (``qtable_report.py``, ``planning.py``)."""
