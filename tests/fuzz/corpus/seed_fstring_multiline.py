s = f'''{
    a  # comment
    + b
}'''
