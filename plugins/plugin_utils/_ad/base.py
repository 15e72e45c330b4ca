# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared base of every plugin that talks to Active Directory.

For internal collection use only; this is not a public API.

As amazon.aws' ``plugin_utils/base.py`` and community.hashi_vault's plugin base do, one mixin
owns what the AD-facing plugins (the ``auth_plan`` lookup, the ``ad`` inventory, and next the
``ad_spn_info`` / ``ad_spn`` modules) would otherwise each repeat: reading the options of the
``winauth.winrm.ad`` doc fragment (whose names are :func:`build_ad_settings`' keywords) and
turning any collection error into the plugin's Ansible error with one clear message.

It imports nothing from Ansible: the plugin names its own error class (``AD_ERROR``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.ldap import ADConnection
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.settings import ADSettings, build_ad_settings
from ansible_collections.winauth.winrm.plugins.plugin_utils._errors import WinAuthError

# The doc fragment's options, by construction the factory's keyword names.
AD_OPTIONS: tuple[str, ...] = tuple(inspect.signature(build_ad_settings).parameters)


class ADPluginBase:
    """Mixin for a plugin with the ``winauth.winrm.ad`` doc fragment (it must also have ``get_option``).

    Attributes:
        AD_PLUGIN: the plugin's full name, the prefix of every error message.
        AD_ERROR: the Ansible error class the plugin raises (AnsibleLookupError, AnsibleParserError …).
    """

    AD_PLUGIN: ClassVar[str]
    AD_ERROR: ClassVar[type[Exception]]
    # Declared only (no body): the Ansible plugin class this is mixed into provides it.
    get_option: Callable[[str], Any]

    def ad_options(self) -> dict[str, Any]:
        """The AD options as set (doc fragment names = :func:`build_ad_settings` keywords)."""
        return {name: self.get_option(name) for name in AD_OPTIONS}

    def ad_configured(self) -> bool:
        """Whether a domain or a DC is given, i.e. AD can be asked at all."""
        return bool(self.get_option("domain") or self.get_option("server"))

    def ad_settings(self) -> ADSettings:
        """Validated settings from the options.

        Raises:
            ADSettingsError: naming the option to fix.
        """
        return build_ad_settings(**self.ad_options())

    def ad_connection(self) -> ADConnection:
        """An unopened connection for the options (``with plugin.ad_connection() as ad: …``)."""
        return ADConnection(self.ad_settings())

    def ad_fail(self, message: str) -> Exception:
        """The plugin's Ansible error for ``message``, prefixed with the plugin's name."""
        return self.AD_ERROR("%s: %s" % (self.AD_PLUGIN, message))

    @contextmanager
    def ad_errors(self) -> Iterator[None]:
        """Turn any collection error (AD, Kerberos, WS-Man settings, parse) into the plugin's error.

        ``from None``: the error text is complete, and a chained traceback could show option
        values (a password) from the frames below.
        """
        try:
            yield
        except WinAuthError as e:
            raise self.ad_fail(str(e)) from None
