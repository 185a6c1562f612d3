"""The question-answering assistant (チャットボット): staff's answers to what parents ask, found
by meaning in Japanese, on the web and in LINE; a crisis is answered before anything else."""
