"""wsmid:Identify.

Unauthenticated (header WSMANIDENTIFY: unauthenticated) Windows hides its OS
version ("OS: 0.0.0 SP: 0.0 Stack: 3.0", as Test-WSMan prints) and MUST NOT
list security profiles (MS-WSMV 3.1.4.1.23); authenticated it returns the real
version and, since Windows Server 2012, the enabled security profiles.
Envelope as in a recorded Windows Server 2008 R2 reply: no WS-Addressing header.
"""

from __future__ import annotations

from .. import xmlns
from ..defaults import OS_VERSION
from ..hoststate import HostState

_PROFILES = "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/"


def response(host: HostState, authenticated: bool) -> bytes:
    version = f"OS: {OS_VERSION} SP: 0.0 Stack: 3.0" if authenticated else "OS: 0.0.0 SP: 0.0 Stack: 3.0"
    profiles = ""
    if authenticated:
        names = []
        if host.flag("Service", "Auth", "Basic"):
            names += ["http/basic", "https/basic"]
        if host.flag("Service", "Auth", "Negotiate") or host.flag("Service", "Auth", "Kerberos"):
            names += ["http/spnego-kerberos", "https/spnego-kerberos"]
        if host.flag("Service", "Auth", "Certificate"):
            names.append("https/mutual")
        profiles = "<wsmid:SecurityProfiles>" + "".join(
            f"<wsmid:SecurityProfileName>{_PROFILES}{n}</wsmid:SecurityProfileName>" for n in names
        ) + "</wsmid:SecurityProfiles>"
    return (
        f'<s:Envelope xmlns:s="{xmlns.SOAP}"><s:Header/><s:Body>'
        f'<wsmid:IdentifyResponse xmlns:wsmid="{xmlns.WSMID}">'
        f"<wsmid:ProtocolVersion>{xmlns.WSMAN}</wsmid:ProtocolVersion>"
        "<wsmid:ProductVendor>Microsoft Corporation</wsmid:ProductVendor>"
        f"<wsmid:ProductVersion>{version}</wsmid:ProductVersion>{profiles}"
        "</wsmid:IdentifyResponse></s:Body></s:Envelope>"
    ).encode()
