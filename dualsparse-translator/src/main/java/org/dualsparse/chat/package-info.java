/**
 * Chat messages rendered through a model's own Jinja chat template (Jinjava with the Python
 * string methods, filters and expressions HF templates use).
 */
package org.dualsparse.chat;
