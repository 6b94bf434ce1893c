"""What a naive tool does: openpyxl load, change one cell, save (the baseline for the ratio)."""

import sys

import openpyxl

if __name__ == "__main__":
    wb = openpyxl.load_workbook(sys.argv[1])
    wb[wb.sheetnames[0]].cell(2, 40).value = "x"
    wb.save(sys.argv[2])
