"""The sequence topic's models, one module a family: `language` (recurrent,
Bengio's neural and WaveNet language models, the recurrent classifier and
forecaster, and what they share), `embeddings` (word2vec, GloVe),
`seq2seq` (the encoder–decoder with attention), `generation` (sampling
text inside the graph), `ngram` (the count-based baselines)."""
