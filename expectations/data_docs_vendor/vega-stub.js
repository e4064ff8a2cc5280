/* Offline stand-in for vega / vega-lite / vega-embed: this project's Data Docs pages draw no charts. */
window.vegaEmbed = window.vegaEmbed || function () { return Promise.resolve({}); };
