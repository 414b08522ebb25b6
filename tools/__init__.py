"""Developer and operator tools: the process launcher, evaluation, benchmark."""
