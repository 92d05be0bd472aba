"""The lead's QI workbench: projects, their measures, charts and PDSA cycles."""
