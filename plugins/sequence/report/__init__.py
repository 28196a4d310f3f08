"""What sequence runs write besides the shared files, one module a kind of
model: `language_model` (bits per token beside the n-gram baselines),
`embeddings` (nearest words, analogies, a map of the vectors), `seq2seq`
(exact-match accuracy, attention maps), `forecasts` (RMSE beside
persistence and AR(p)); `curves` draws several runs' training curves."""
