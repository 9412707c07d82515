"""Automatic capture of GenAI API calls at the HTTP layer (httpx and httpx2 transports).

    instrument.instrument() / uninstrument()   switch capture on / off for the process
    instrument.instrument_for_runs()           capture the calls made inside tracked runs only
    manual.record_llm_call(...)                record a call by hand

One parser per wire format lives in `parsers/`; `providers` maps host and path to a provider
and a parser; `observe` follows one call's response; `transport` wraps the transports.
Nothing here is imported by `import frugal_ai`. See docs/capture.md.
"""
