/*
 * Per-topic pull requests (git request-pull)
 *
 * Work in progress: tags a topic's tip and writes the request text as
 * git request-pull does, plus the conflicts the topic met in next.
 */
