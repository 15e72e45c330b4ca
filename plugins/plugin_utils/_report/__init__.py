# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hardening role's plan and its fleet report (JSON for machines, HTML for people).

For internal collection use only; this is not a public API.
"""
