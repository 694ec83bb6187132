"""The MNIST page's dataset: found (or downloaded once) and converted to the model's sparse form, shared by every
session; when the files cannot be had, the page says how to provide them."""
from __future__ import annotations

import os

import streamlit as st

from mnist import data, train

LOCATE_AGAIN_AFTER_S = 300  # a failed search or download is tried again after this long, not on every rerun


@st.cache_resource(show_spinner="Reading MNIST …")
def _prepared(folder: str) -> train.Prepared:
    """The dataset in the model's sparse form, shared by every session (the folder is the cache key)."""
    return train.prepare(data.load(folder))


@st.cache_resource(ttl=LOCATE_AGAIN_AFTER_S, show_spinner="Looking for the MNIST files (downloading them once if "
                                                          "needed) …")
def _located(where: tuple[str, str]) -> tuple[str, str]:
    """(folder, "") or ("", why not), for every session: one search or download at a time, and a failure is
    kept for ``LOCATE_AGAIN_AFTER_S`` instead of being retried (with its network timeouts) on every rerun.
    ``where`` (the configured folder and the cache folder) is the cache key: the places the search looks."""
    try:
        return str(data.locate()), ""
    except data.MnistDataError as error:
        return "", str(error)


def dataset() -> train.Prepared | None:
    """Find (or download) the files and prepare them; on failure explain how to provide them."""
    try:
        folder, failure = _located((os.environ.get(data.ENV_DIR, ""), str(data.cache_dir())))
        if failure:
            raise data.MnistDataError(failure)
        return _prepared(folder)
    except data.MnistDataError as error:
        message = str(error)
        st.error(message)
        if data.how_to_provide() not in message:  # a failed download already says it: once is enough
            st.info(f"To use this page offline, {data.how_to_provide()}.")
        return None
